import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseOutputsReply } from '../parse/parse-outputs-reply.js';
import { renderBatch } from '../prompt/render-batch.js';
import { loadTask } from '../task/load-task.js';
import type { MultiOutputTask } from '../task/task-schema.js';
import { outputCountLossChance, outputsReplyWriter } from './create-outputs-sim-model.js';
import { createSimModel } from './create-sim-model.js';
import type { SimProfileName } from './profiles.js';
import { renderSimReply } from './render-sim-reply.js';

const task = loadTask(
  new URL('../../examples/tickets/task.yaml', import.meta.url).pathname,
) as MultiOutputTask;
const rows = readFileSync(new URL('../../examples/tickets/tickets.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as Record<string, unknown>);
const items = rows.map((row) => ({
  id: String(row.id),
  fields: { subject: String(row.subject), body: String(row.body) },
  gold: Object.fromEntries(task.outputs.map((output) => [output.name, row[output.name]])),
}));

async function ask(outputs: string[] | undefined, seed = 0, profile: SimProfileName = 'frontier') {
  const model = createSimModel({ task, items, profile, seed });
  const batch = items.slice(0, 32);
  const rendered = renderBatch(task, batch, {
    format: 'lines',
    tag: 'k9q2',
    ...(outputs ? { outputs } : {}),
  });
  const reply = await model.generate({
    messages: rendered.messages,
    responseFormat: rendered.responseFormat,
  });
  return {
    reply,
    parsed: parseOutputsReply(task, reply.text, {
      format: 'lines',
      expectedCount: 32,
      tag: 'k9q2',
      ...(outputs ? { outputs } : {}),
    }),
  };
}

describe('the simulated model of a task with outputs', () => {
  it('answers every asked output of every item, in the reply layout the prompt asks, the same for the same request', async () => {
    const { reply, parsed } = await ask(undefined);
    expect(parsed.items.every((item) => item.answers.size === 4 && item.missing.length === 0)).toBe(true);
    expect((await ask(undefined)).reply.text).toBe(reply.text);
    expect((await ask(undefined, 1)).reply.text).not.toBe(reply.text);
  });

  it('answers only the outputs a call asks', async () => {
    const { parsed, reply } = await ask(['mentions', 'tone']);
    expect(reply.text.split('\n')[0]).toMatch(/^0 \(k9q2\): tone=\w+ (un)?sure; mentions=[\w, ]+ (un)?sure$/);
    expect(parsed.items.every((item) => [...item.answers.keys()].join() === 'tone,mentions')).toBe(true);
  });

  it('gets each output right about as often as its profile, each on its own', async () => {
    const { parsed } = await ask(undefined);
    for (const output of ['topic', 'urgency', 'tone']) {
      const right = parsed.items.filter(
        (item, index) => item.answers.get(output)?.answer === items[index]!.gold[output],
      ).length;
      expect(right).toBeGreaterThanOrEqual(24);
      expect(right).toBeLessThan(32);
    }
  });

  it('loses nothing on frontier up to 10 outputs per prompt (Pipal et al. 2026), and the assumed figures past it and on the paper profiles', () => {
    expect(outputCountLossChance('frontier', 1)).toBe(0);
    expect(outputCountLossChance('frontier', 10)).toBe(0);
    expect(outputCountLossChance('frontier', 12)).toBeCloseTo(0.004, 10);
    expect(outputCountLossChance('gpt-4', 1)).toBe(0);
    expect(outputCountLossChance('gpt-4', 3)).toBeCloseTo(0.01, 10);
    expect(outputCountLossChance('gpt-3.5', 10)).toBeCloseTo(0.09, 10);
  });
});

describe('formatting faults in the replies of a task with outputs', () => {
  const none = { base: 0, perExtraItem: 0 };
  const noFaults = { skipIndex: none, repeatIndex: none, wrongCount: none, offByOne: none, chatter: none };
  const always = { base: 1, perExtraItem: 0 };
  // What each item's row says: its gold answers, so a shifted row shows.
  const batch = items.slice(0, 16);
  const rows = batch.map((item) =>
    task.outputs.map((output) => ({
      name: output.name,
      answer: item.gold[output.name] as string | string[],
      confident: true,
    })),
  );

  for (const fault of [
    'skipIndex',
    'repeatIndex',
    'wrongCount',
    'offByOne',
    'chatter',
    'lineDrift',
  ] as const) {
    for (const format of ['lines', 'json'] as const) {
      it(`puts no output's answer on another item or output: ${fault}, ${format}`, () => {
        let faulted = 0;
        // Several requests, so each variant of a fault (which index, which chatter) comes up.
        for (const requestDigest of ['a1', 'b2', 'c3', 'd4', 'e5', 'f6', 'g7', 'h8']) {
          const { writer, conflictingAnswer } = outputsReplyWriter(task, rows);
          const reply = renderSimReply({
            entries: rows.map((_, index) => ({ index, answer: String(index), confident: true })),
            writer,
            format,
            tag: 'k9q2',
            faults: fault === 'lineDrift' ? noFaults : { ...noFaults, [fault]: always },
            seed: 0,
            requestDigest,
            conflictingAnswer,
            lineDrift: fault === 'lineDrift' ? 1 : 0,
          });
          if (reply.faults.length > 0) faulted += 1;
          const parsed = parseOutputsReply(task, reply.text, { format, expectedCount: 16, tag: 'k9q2' });
          parsed.items.forEach((item, index) => {
            for (const [name, given] of item.answers) {
              expect({ index, name, answer: given.answer }).toEqual({
                index,
                name,
                answer: batch[index]!.gold[name],
              });
            }
          });
        }
        // JSON replies are held by their schema: no prose around them, no drift into sentences.
        const proseOnly = fault === 'lineDrift' || fault === 'chatter';
        expect(faulted).toBe(proseOnly && format === 'json' ? 0 : 8);
      });
    }
  }

  it('reach the model’s replies: a profile with faults leaves some items of some replies unattributed', async () => {
    let unattributed = 0;
    for (let seed = 0; seed < 40; seed += 1) {
      const { parsed } = await ask(undefined, seed, 'gpt-3.5');
      unattributed += parsed.items.filter((item) => item.answers.size === 0).length;
    }
    expect(unattributed).toBeGreaterThan(0);
  });
});
