import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { createSimModel } from '../sim/create-sim-model.js';
import { loadItems } from '../source/load-items.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { compareStrategiesWithDetails } from './analyze-comparison.js';
import { compareStrategies } from './compare.js';

const demoFile = fileURLToPath(new URL('../../examples/demo/yes-no.jsonl', import.meta.url));

it('gives the same rows as compareStrategies, with details that agree with them', async () => {
  const items = await loadItems(demoFile, boolqTask);
  const options = { task: boolqTask, items, batchSize: 16, rounds: 4, voting: 'weighted' as const, seed: 2 };
  const plain = await compareStrategies({
    ...options,
    model: createSimModel({ task: boolqTask, items, seed: 2 }),
  });
  const detailed = await compareStrategiesWithDetails({
    ...options,
    model: createSimModel({ task: boolqTask, items, seed: 2 }),
  });
  expect(detailed.map(({ details: _details, ...row }) => row)).toEqual(plain);

  for (const row of detailed) {
    const { details } = row;
    // One entry per round the run asked, from round 1 on; early stopping may end it before the
    // configured number of rounds (row.rounds is that maximum).
    expect(details.byRound.map((round) => round.round)).toEqual(
      Array.from({ length: details.byRound.length }, (_, index) => index + 1),
    );
    expect(details.byRound.length).toBeGreaterThan(0);
    expect(details.byRound.length).toBeLessThanOrEqual(row.rounds);
    // The recount over every round is the run's own final vote.
    expect(details.byRound.at(-1)?.accuracy).toBeCloseTo(row.accuracy ?? -1, 10);
    expect(details.byRound.reduce((total, round) => total + round.inputTokens, 0)).toBe(row.inputTokens);
    expect(details.scored).toBe(items.length);
    const votes = details.confidence.confident.votes + details.confidence.notConfident.votes;
    expect(details.byPosition.reduce((total, bucket) => total + bucket.votes, 0)).toBe(votes);
    expect(votes).toBeGreaterThanOrEqual(items.length);
    // The first call of round 1 holds the first item of the input, in the last (user) message.
    const sample = details.sampleBatch;
    expect(sample?.messages[0]?.role).toBe('system');
    expect(sample?.messages.at(-1)?.role).toBe('user');
    expect(sample?.messages.at(-1)?.content).toContain(items[0]!.fields.question);
    expect(sample?.reply).toMatch(/\S/);
  }
  const single = detailed.find((row) => row.name === 'single')!;
  expect(single.details.byPosition).toHaveLength(1);
  expect(single.details.sampleBatch?.messages.at(-1)?.content).not.toContain(items[1]!.fields.question);
});
