import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defineTask } from '../task/define-task.js';
import { useTempDir } from '../test/temp-dir.js';
import { readSource, type SourceEntry } from './read-source.js';

const pathTo = useTempDir();

const task = defineTask({
  name: 'tickets',
  instruction: 'Answer each question about the ticket.',
  fields: ['body'],
  outputs: [
    { name: 'topic', answer: { type: 'labels', labels: ['billing', 'delivery'] } },
    { name: 'urgency', answer: { type: 'labels', labels: ['low', 'high'] } },
    { name: 'mentions', answer: { type: 'labels', labels: ['refund', 'deadline'], multiple: true, min: 0 } },
  ],
});

async function entries(lines: object[], labelField?: string): Promise<SourceEntry[]> {
  const file = pathTo('tickets.jsonl');
  writeFileSync(file, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
  const read: SourceEntry[] = [];
  for await (const entry of readSource({
    file,
    task,
    maxItemTokens: 1000,
    ...(labelField === undefined ? {} : { labelField }),
  }))
    read.push(entry);
  return read;
}

describe('gold answers of a task with outputs', () => {
  it('reads each output’s gold from the column named like it, or the one --label-field maps', async () => {
    const [entry] = await entries(
      [{ id: 'a', body: 'x', topic: 'billing', priority: 'HIGH', mentions: ['refund'] }],
      'label,urgency=priority',
    );
    expect(entry?.kind === 'item' && entry.item.gold).toEqual({
      topic: 'billing',
      urgency: 'HIGH',
      mentions: ['refund'],
    });
  });

  it('names the output and the column when a gold column is missing where gold is required', async () => {
    await expect(entries([{ id: 'a', body: 'x', topic: 'billing', mentions: [] }], 'label')).rejects.toThrow(
      /line 1, field `urgency`: no gold column `urgency` for output `urgency` \(the file's columns: id, body, topic, mentions\); map another with --label-field urgency=<column>/,
    );
  });

  it('makes a row with a gold answer its output does not allow invalid, naming line and column', async () => {
    const read = await entries([{ id: 'a', body: 'x', topic: 'billing', urgency: 'soon', mentions: [] }]);
    expect(read[0]?.kind === 'invalid' && read[0].invalid.error.message).toMatch(
      /gold answer "soon" of output `urgency` is not one it allows/,
    );
    expect(read[0]?.kind === 'invalid' && read[0].invalid.error.field).toBe('urgency');
  });

  it('refuses a mapping to an output the task does not have', async () => {
    await expect(entries([{ id: 'a', body: 'x' }], 'colour=c')).rejects.toThrow(
      /maps `colour`, which is not an output of task `tickets`/,
    );
  });
});
