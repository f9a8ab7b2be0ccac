import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseOutputsReply } from '../parse/parse-outputs-reply.js';
import { renderBatch } from '../prompt/render-batch.js';
import { loadTask } from '../task/load-task.js';
import type { MultiOutputTask } from '../task/task-schema.js';
import { outputCountLossChance } from './create-outputs-sim-model.js';
import { createSimModel } from './create-sim-model.js';

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

async function ask(outputs: string[] | undefined, seed = 0) {
  const model = createSimModel({ task, items, profile: 'frontier', seed });
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
