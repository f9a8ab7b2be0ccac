import { describe, expect, it } from 'vitest';
import { readRenderedBatch } from '../prompt/read-rendered-batch.js';
import type { GenerateRequest } from '../spec/chat-model.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { createScriptedModel } from '../test/scripted-model.js';
import { batchPrompt } from './batch-prompt.js';
import type { Item, StratumFigures } from './types.js';

function makeItems(count: number): Item[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `item-${index}`,
    fields: { question: `question ${index}`, passage: `passage ${index}` },
    gold: index % 2 === 0,
  }));
}

function batchOf(request: GenerateRequest) {
  const last = request.messages.at(-1)?.content ?? '';
  return readRenderedBatch(last).map((entry) => ({
    ...entry,
    item: Number(entry.fields.question?.replace('question ', '')),
  }));
}

const gold = (item: number) => (item % 2 === 0 ? 'yes' : 'no');
const other = (item: number) => (item % 2 === 0 ? 'no' : 'yes');
/** A fixed coin per (item, call): the same request always gets the same reply. */
const coin = (item: number, call: string) => {
  let hash = 2166136261;
  for (const character of `${item}:${call}`) hash = Math.imul(hash ^ character.charCodeAt(0), 16777619);
  return ((hash >>> 0) % 1000) / 1000;
};

/**
 * A model that is sure of every item but each tenth; `flip(item, sure, call)` says whether this
 * call gives the other label. The call is identified by its batch code, so a reply depends on
 * the request alone.
 */
function scripted(flip: (item: number, sure: boolean, call: string, firstRound: boolean) => boolean) {
  return createScriptedModel({
    reply: (request) =>
      batchOf(request)
        .map((entry) => {
          const sure = entry.item % 10 !== 0;
          // With `examples: 'first-round'`, round 1 alone carries the worked examples (two more turns).
          const firstRound = request.messages.length > 2;
          const label = flip(entry.item, sure, entry.tag, firstRound) ? other(entry.item) : gold(entry.item);
          return `Input ${entry.index} (${entry.tag}): ${label} (${sure ? 'sure' : 'unsure'})`;
        })
        .join('\n'),
  });
}

const common = { task: boolqTask, format: 'lines', batchSize: 32, rounds: 5, strategy: 'adaptive' } as const;

describe('the adaptive rule', () => {
  it('pays one round for the items outside the pilot when answers never move, and grows the batch', async () => {
    const items = makeItems(2000);
    const model = scripted(() => false);
    const { results, summary } = await batchPrompt({ ...common, items, model });
    const adaptive = summary.adaptive!;
    // 29 sure answers per call of 32: the test calls the model stable after the second call.
    expect(adaptive.pilotItems).toBe(64);
    expect(adaptive.strata[0]!.test?.verdict).toBe('stable');
    expect(
      adaptive.strata.map((stratum) => [stratum.stratum, stratum.changed, stratum.stopsAfterRound1]),
    ).toEqual([
      ['sure', 0, true],
      ['unsure', 0, true],
    ]);
    expect(results.filter((result) => result.rounds === 1)).toHaveLength(2000 - 64);
    expect(adaptive.stoppedAfterRound1).toBe(2000 - 64);
    // The second window (from item 1024) tries larger batches on settled pilot answers.
    expect(adaptive.finalBatchSize).toBeGreaterThan(32);
    expect(adaptive.probes.length).toBeGreaterThan(0);
    expect(adaptive.probes.every((probe) => probe.accepted && probe.agreed === probe.anchors)).toBe(true);
    const largest = Math.max(...model.requests.map((request) => batchOf(request).length));
    expect(largest).toBe(adaptive.finalBatchSize);
    // The first window's calls keep the starting size.
    const firstWindowCalls = model.requests.filter((request) =>
      batchOf(request).every((entry) => entry.item < 1024),
    );
    expect(Math.max(...firstWindowCalls.map((request) => batchOf(request).length))).toBe(32);
    expect(summary.accuracy).toBe(1);
    expect(summary.roundsPerItem).toBeLessThan(1.1);
  });

  it('keeps voting on unsure answers that flip half the time, and lets the sure ones go', async () => {
    const items = makeItems(1000);
    const model = scripted((item, sure, call) => !sure && coin(item, call) < 0.5);
    const { results, summary } = await batchPrompt({ ...common, items, model });
    const adaptive = summary.adaptive!;
    const [sure, unsure] = adaptive.strata;
    expect(sure!.stopsAfterRound1).toBe(true);
    expect(unsure!.stopsAfterRound1).toBe(false);
    expect(unsure!.changed).toBeGreaterThan(0);
    const sureResults = results.filter((result) => result.index % 10 !== 0);
    const unsureResults = results.filter((result) => result.index % 10 === 0);
    // Only sure items of the pilot got a second round.
    expect(sureResults.filter((result) => result.rounds > 1).length).toBeLessThanOrEqual(adaptive.pilotItems);
    expect(sureResults.filter((result) => result.rounds === 1).length).toBeGreaterThan(800);
    expect(unsureResults.every((result) => result.rounds >= 2)).toBe(true);
    // Items whose two unsure votes split go on past round 2.
    expect(unsureResults.some((result) => result.rounds > 2)).toBe(true);
  });

  it('falls back to SEAS for every item when sure answers flip, with the very calls of bpe+seas', async () => {
    const items = makeItems(600);
    const flip = (item: number, sure: boolean, call: string) => sure && coin(item, call) < 0.15;
    const model = scripted(flip);
    const { results, summary } = await batchPrompt({ ...common, items, model });
    const adaptive = summary.adaptive!;
    expect(adaptive.strata[0]!.test?.verdict).toBe('order-dependent');
    expect(adaptive.strata.map((stratum) => stratum.stopsAfterRound1)).toEqual([false, false]);
    expect(adaptive.stoppedAfterRound1).toBe(0);
    expect(adaptive.finalBatchSize).toBe(32);
    expect(adaptive.probes).toEqual([]);
    expect(results.every((result) => result.rounds >= 2)).toBe(true);
    expect(adaptive.decision).toMatch(/sure answers go on under SEAS/);

    const seasModel = scripted(flip);
    const seas = await batchPrompt({ ...common, strategy: 'bpe+seas', items, model: seasModel });
    const prompts = (requests: GenerateRequest[]) =>
      requests.map((request) => request.messages.at(-1)?.content ?? '').sort();
    expect(prompts(model.requests)).toEqual(prompts(seasModel.requests));
    expect(results.map((result) => result.answer)).toEqual(seas.results.map((result) => result.answer));
    expect(summary.inputTokens).toBe(seas.summary.inputTokens);
  });

  it('asks one more pilot call at a time while the test is undecided', async () => {
    // One sure answer of the first round-2 call changes its label: after that change the test
    // needs about 97 sure answers that repeat before it calls the model stable.
    let changing: number | undefined;
    const model = scripted((item, sure, _call, firstRound) => {
      if (firstRound || !sure) return false;
      changing ??= item;
      return item === changing;
    });
    const { summary } = await batchPrompt({
      ...common,
      examples: 'first-round',
      items: makeItems(1000),
      model,
    });
    const adaptive = summary.adaptive!;
    const sure = adaptive.strata[0]!;
    expect(sure.changed).toBe(1);
    expect(sure.test?.verdict).toBe('stable');
    expect(sure.items).toBeGreaterThanOrEqual(99);
    expect(adaptive.pilotItems % 32).toBe(0);
    // One call fewer would have left it undecided.
    expect(sure.items - 32).toBeLessThan(99);
  });

  it('reports the pilot figures that its decision came from', async () => {
    const items = makeItems(400);
    const model = scripted((item, sure, call) => coin(item, call) < (sure ? 0.01 : 0.3));
    const { summary } = await batchPrompt({ ...common, items, model });
    const adaptive = summary.adaptive!;
    const [sure, unsure] = adaptive.strata as [StratumFigures, StratumFigures];
    expect(sure.items + unsure.items).toBeLessThanOrEqual(adaptive.pilotItems);
    expect(sure.items + unsure.items).toBeGreaterThan(adaptive.pilotItems - 4);
    const test = sure.test!;
    expect(test.items).toBe(sure.items);
    expect(test.changed).toBe(sure.changed);
    expect(test.logLikelihoodRatio).toBeCloseTo(
      sure.changed * Math.log(0.05 / 0.005) + (sure.items - sure.changed) * Math.log(0.95 / 0.995),
      10,
    );
    expect(sure.stopsAfterRound1).toBe(test.verdict === 'stable');
    expect(unsure.stopsAfterRound1).toBe(sure.stopsAfterRound1 && unsure.lowerBound <= unsure.limit);
    for (const stratum of adaptive.strata) {
      expect(stratum.changeRate).toBeCloseTo(stratum.changed / Math.max(1, stratum.items), 10);
      expect(adaptive.decision).toContain(`${stratum.changed}/${stratum.items} changed`);
    }
    expect(summary.rounds.find((round) => round.round === 2)?.activeItems).toBeGreaterThanOrEqual(
      adaptive.pilotItems,
    );
  });
});
