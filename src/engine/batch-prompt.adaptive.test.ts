import { describe, expect, it } from 'vitest';
import { readRenderedBatch } from '../prompt/read-rendered-batch.js';
import type { GenerateRequest } from '../spec/chat-model.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { createScriptedModel } from '../test/scripted-model.js';
import { batchPrompt } from './batch-prompt.js';
import { resolveStrategy } from './resolve-strategy.js';
import { sequentialChangeTest } from './sequential-change-test.js';
import type { Item, StratumFigures } from './types.js';

function makeItems(count: number): Item[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `item-${index}`,
    fields: { question: `question ${index}`, passage: `passage ${index}` },
    gold: index % 2 === 0,
  }));
}

/** Items with long passages: a probe's anchors cost more than a larger batch saves on a few hundred. */
const longItems = (count: number): Item[] =>
  makeItems(count).map((item) => ({
    ...item,
    fields: { ...item.fields, passage: `${item.fields.passage} ${'a long passage '.repeat(60)}` },
  }));

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
 * A model that is sure of every item but each tenth (or as `sureOf` says); `flip(item, sure,
 * call, firstRound, size)` says whether this call gives the other label. The call is identified by
 * its batch code, so a reply depends on the request alone.
 */
function scripted(
  flip: (item: number, sure: boolean, call: string, firstRound: boolean, size: number) => boolean,
  sureOf: (item: number) => boolean = (item) => item % 10 !== 0,
) {
  return createScriptedModel({
    reply: (request) =>
      batchOf(request)
        .map((entry, _position, batch) => {
          const sure = sureOf(entry.item);
          // With `examples: 'first-round'`, round 1 alone carries the worked examples (two more turns).
          const firstRound = request.messages.length > 2;
          const flipped = flip(entry.item, sure, entry.tag, firstRound, batch.length);
          const label = flipped ? other(entry.item) : gold(entry.item);
          return `Input ${entry.index} (${entry.tag}): ${label} (${sure ? 'sure' : 'unsure'})`;
        })
        .join('\n'),
  });
}

/** The sequential test's rates and risk as a run takes them by default. */
const defaultRates = (() => {
  const { adaptive } = resolveStrategy({ strategy: 'adaptive' });
  return {
    stableRate: adaptive.stableChangeRate,
    unstableRate: adaptive.orderDependentChangeRate,
    risk: adaptive.risk,
  };
})();

const common = { task: boolqTask, format: 'lines', batchSize: 32, rounds: 5, strategy: 'adaptive' } as const;
/** The batch may not grow: the pilot then waits for round 1 and asks SEAS's own round-2 calls. */
const fixedSize = { ...common, adaptive: { maxBatchSize: 32 } } as const;

describe('the adaptive rule', () => {
  it('pays one round for the items outside the pilot when answers never move, and grows the batch in the first window', async () => {
    const items = makeItems(2000);
    const model = scripted(() => false);
    const { results, summary } = await batchPrompt({ ...common, items, model });
    const adaptive = summary.adaptive!;
    // About 29 sure and 3 unsure answers per call of 32, none moving: the test calls the model
    // stable after the first call (29 x log(0.92 / 0.96) + 3 x log(0.15 / 0.7) < log(0.1 / 0.9)).
    expect(adaptive.pilotItems).toBe(32);
    expect(adaptive.test?.verdict).toBe('stable');
    expect(
      adaptive.strata.map((stratum) => [stratum.stratum, stratum.changed, stratum.stopsAfterRound1]),
    ).toEqual([
      ['sure', 0, true],
      ['unsure', 0, true],
    ]);
    expect(results.filter((result) => result.rounds === 1)).toHaveLength(2000 - 32);
    expect(adaptive.stoppedAfterRound1).toBe(2000 - 32);
    // A probe pays on the items to come, so the pilot runs on round 1's first calls: four calls
    // of 32 at once, then the pilot asks again every unsure answer (each tenth item: 13) and sure
    // ones to fill its call, then probes of larger batches, all in the first window.
    const asked = model.requests.map((request) => batchOf(request).map((entry) => entry.item));
    const counting = (from: number) => Array.from({ length: 32 }, (_, index) => from + index);
    expect(asked.slice(0, 4).sort((a, b) => a[0]! - b[0]!)).toEqual([0, 32, 64, 96].map(counting));
    const pilot = asked[4]!;
    expect(pilot).toHaveLength(32);
    expect(pilot.every((item) => item < 128)).toBe(true);
    expect(pilot.filter((item) => item % 10 === 0).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 13 }, (_, index) => index * 10),
    );
    expect(adaptive.probes.map((probe) => [probe.batchSize, probe.accepted])).toEqual([
      [64, true],
      [100, true],
    ]);
    expect(adaptive.finalBatchSize).toBe(100);
    expect(adaptive.pilotTiming).toBe('first-calls');
    const firstWindowCalls = model.requests.filter((request) =>
      batchOf(request).every((entry) => entry.item < 1024),
    );
    expect(Math.max(...firstWindowCalls.map((request) => batchOf(request).length))).toBe(100);
    expect(Math.max(...model.requests.map((request) => batchOf(request).length))).toBe(100);
    expect(summary.accuracy).toBe(1);
    expect(summary.roundsPerItem).toBeLessThan(1.1);
  });

  it("grows the batch of a few hundred items with the pilot's own call, where a probe would not pay", async () => {
    // Long items and few of them: a probe's 32 anchors would cost more than the instructions a
    // larger batch saves, so after round 1's first two calls the pilot asks its answers again
    // among new items of round 1, in a call of 100, and the rest of round 1 takes that size.
    const model = scripted(() => false);
    const { results, summary } = await batchPrompt({ ...common, items: longItems(300), model });
    const adaptive = summary.adaptive!;
    expect(adaptive.test?.verdict).toBe('stable');
    expect(adaptive.pilotTiming).toBe('first-calls');
    expect(adaptive.growthSkipped).toBeUndefined();
    const sizes = model.requests.map((request) => batchOf(request).length);
    expect(sizes).toEqual([32, 32, 100, 100, 52]);
    // The pilot's call: the first two calls' 7 unsure answers and 9 sure ones asked again, 84 new items.
    const pilotCall = batchOf(model.requests[2]!).map((entry) => entry.item);
    const again = pilotCall.filter((item) => item < 64);
    expect(again).toHaveLength(16);
    expect(again.filter((item) => item % 10 === 0).sort((a, b) => a - b)).toEqual([
      0, 10, 20, 30, 40, 50, 60,
    ]);
    expect(pilotCall.filter((item) => item >= 64).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 84 }, (_, index) => 64 + index),
    );
    expect(adaptive.pilotItems).toBe(16);
    expect(adaptive.probes).toEqual([
      expect.objectContaining({ batchSize: 100, anchors: 9, agreed: 9, accepted: true, askedBy: 'pilot' }),
    ]);
    expect(adaptive.finalBatchSize).toBe(100);
    expect(results.filter((result) => result.rounds === 1)).toHaveLength(300 - 16);
    expect(summary.accuracy).toBe(1);
  });

  it('keeps the starting size, and says why, when the first calls hold too few sure answers', async () => {
    // Sure of three items in four: below the 80% of sure answers that growth asks for, so the
    // pilot waits for round 1 at 32 and asks SEAS's own round-2 calls, as it does without growth.
    const model = scripted(
      () => false,
      (item) => item % 4 !== 0,
    );
    const { summary } = await batchPrompt({ ...common, items: longItems(300), model });
    const adaptive = summary.adaptive!;
    expect(adaptive.pilotTiming).toBe('after-round-1');
    expect(adaptive.probes).toEqual([]);
    expect(adaptive.finalBatchSize).toBe(32);
    expect(adaptive.growthSkipped).toBe(
      '48 of the first 64 answers were sure (75.0%, below 80%): the batch does not grow before round 1 is complete',
    );
    const sizes = model.requests.map((request) => batchOf(request).length);
    expect(Math.max(...sizes)).toBe(32);
    // Round 1 is asked whole at 32 (its first two calls, then the rest at once) before any round 2.
    const roundOne = model.requests
      .slice(0, 10)
      .map((request) => batchOf(request).map((entry) => entry.item));
    expect(roundOne.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, index) => index));
  });

  it("keeps the starting size when the pilot's answers change label in its larger call", async () => {
    // Answers never move in calls of 32; in larger ones, a third of the sure answers flip.
    const flip = (item: number, sure: boolean, call: string, _first: boolean, size: number) =>
      size > 32 && sure && coin(item, call) < 0.3;
    const model = scripted(flip);
    const { results, summary } = await batchPrompt({ ...common, items: longItems(300), model });
    const adaptive = summary.adaptive!;
    expect(adaptive.probes).toHaveLength(1);
    expect(adaptive.probes[0]).toMatchObject({ batchSize: 100, askedBy: 'pilot', accepted: false });
    expect(adaptive.probes[0]!.agreed).toBeLessThan(adaptive.probes[0]!.anchors);
    expect(adaptive.finalBatchSize).toBe(32);
    // One call of 100 (the pilot's), every other at the starting size; the new items of the
    // pilot's call were answered at 100, so they vote again.
    const sizes = model.requests.map((request) => batchOf(request).length);
    expect(sizes.filter((size) => size > 32)).toEqual([100]);
    const newInPilot = results.filter((result) => result.votes[0]?.batchSize === 100);
    expect(newInPilot.length).toBeGreaterThan(0);
    expect(newInPilot.every((result) => result.rounds >= 2)).toBe(true);
  });

  it("keeps the starting size when the pilot's larger call finds the model order-dependent, though its sure answers held", async () => {
    // In the call of 100, every unsure answer changes label and every sure one repeats: the size
    // judged on the sure answers alone would pass, but an order-dependent model keeps 32.
    const flip = (_item: number, sure: boolean, _call: string, _first: boolean, size: number) =>
      size > 32 && !sure;
    const { summary } = await batchPrompt({ ...common, items: longItems(300), model: scripted(flip) });
    const adaptive = summary.adaptive!;
    expect(adaptive.test?.verdict).toBe('order-dependent');
    expect(adaptive.probes).toHaveLength(1);
    expect(adaptive.probes[0]).toMatchObject({ batchSize: 100, askedBy: 'pilot', accepted: false });
    expect(adaptive.probes[0]!.agreed).toBe(adaptive.probes[0]!.anchors);
    expect(adaptive.finalBatchSize).toBe(32);
  });

  it('waits for round 1 where the window cannot fill a larger call, and says why', async () => {
    // 120 items: no item would be left for a probe after the early pilot's four calls and its own.
    const { summary } = await batchPrompt({ ...common, items: longItems(120), model: scripted(() => false) });
    const adaptive = summary.adaptive!;
    expect(adaptive.probes).toEqual([]);
    expect(adaptive.finalBatchSize).toBe(32);
    expect(adaptive.pilotTiming).toBe('after-round-1');
    expect(adaptive.growthSkipped).toMatch(
      /^a probe at 64 would cost about \d+ tokens and save about 0 on the 0 items to come$/,
    );
  });

  it('keeps the size before a rejected probe, and asks the new items of that probe again', async () => {
    // Answers never move in calls of up to 64 items; past that, every fifth sure answer flips.
    const flip = (item: number, sure: boolean, call: string, _first: boolean, size: number) =>
      size > 64 && sure && coin(item, call) < 0.2;
    const { results, summary } = await batchPrompt({
      ...common,
      items: makeItems(1000),
      model: scripted(flip),
    });
    const adaptive = summary.adaptive!;
    expect(adaptive.probes.map((probe) => [probe.batchSize, probe.accepted])).toEqual([
      [64, true],
      [100, false],
    ]);
    expect(adaptive.finalBatchSize).toBe(64);
    // The rejected probe's new items were answered in a call of 100: they vote again.
    const inRejectedProbe = results.filter((result) => result.votes[0]?.batchSize === 100);
    expect(inRejectedProbe.length).toBeGreaterThan(0);
    expect(inRejectedProbe.every((result) => result.rounds >= 2)).toBe(true);
    expect(
      results
        .filter((result) => result.votes[0]?.batchSize === 64)
        .every((result) => result.rounds === 1 || result.votes.length > 1),
    ).toBe(true);
  });

  it('keeps voting on unsure answers that flip half the time, and lets the sure ones go', async () => {
    const items = makeItems(1000);
    const model = scripted((item, sure, call) => !sure && coin(item, call) < 0.5);
    const { results, summary } = await batchPrompt({ ...fixedSize, items, model });
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
    // A sure answer that changes adds log(0.08 / 0.04), one that stays log(0.92 / 0.96): flipping
    // 30% of them outweighs the unsure answers' log(0.15 / 0.7) each, three in a call.
    const flip = (item: number, sure: boolean, call: string) => sure && coin(item, call) < 0.3;
    const model = scripted(flip);
    const { results, summary } = await batchPrompt({ ...fixedSize, items, model });
    const adaptive = summary.adaptive!;
    // The unsure answers never move, and they alone would call the model stable after a call or
    // two; its sure answers keep it from that until the sum over all of them turns.
    expect(adaptive.test?.verdict).toBe('order-dependent');
    expect(adaptive.test!.byStratum.unsure).toBeLessThan(adaptive.test!.stableAt);
    expect(adaptive.pilotItems).toBeGreaterThan(64);
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

  it('falls back to SEAS at the starting size when the pilot runs on the first calls of round 1', async () => {
    const items = makeItems(600);
    // Sure answers flip in almost a third of the calls: the first pilot call shows it.
    const flip = (item: number, sure: boolean, call: string) => sure && coin(item, call) < 0.3;
    const model = scripted(flip);
    const { results, summary } = await batchPrompt({ ...common, items, model });
    const adaptive = summary.adaptive!;
    expect(adaptive.test?.verdict).toBe('order-dependent');
    expect(adaptive.probes).toEqual([]);
    expect(adaptive.finalBatchSize).toBe(32);
    expect(adaptive.stoppedAfterRound1).toBe(0);
    // Every call holds at most 32 items, and every item is asked at least twice, as under SEAS;
    // the pilot's calls are round-2 calls of their own, so the run asks as many items as SEAS
    // does, give or take the items SEAS stopped in other rounds.
    expect(Math.max(...model.requests.map((request) => batchOf(request).length))).toBeLessThanOrEqual(32);
    expect(results.every((result) => result.rounds >= 2)).toBe(true);
    const seas = await batchPrompt({ ...common, strategy: 'bpe+seas', items, model: scripted(flip) });
    expect(Math.abs(summary.calls - seas.summary.calls)).toBeLessThanOrEqual(3);
  });

  it('asks one more pilot call at a time while the test is undecided', async () => {
    // A model sure of everything; one sure answer of the first round-2 call changes its label.
    // After that change the test needs 68 repeats before it calls the model stable (sure answers
    // alone tell a stable model from an order-dependent one only weakly): 63 are not enough, so it
    // asks a third call, and that one is enough.
    let changing: number | undefined;
    const model = scripted(
      (item, _sure, _call, firstRound) => {
        if (firstRound) return false;
        changing ??= item;
        return item === changing;
      },
      () => true,
    );
    const { summary } = await batchPrompt({
      ...common,
      examples: 'first-round',
      items: makeItems(1000),
      model,
    });
    const adaptive = summary.adaptive!;
    const sure = adaptive.strata[0]!;
    expect(sure.changed).toBe(1);
    expect(adaptive.test?.verdict).toBe('stable');
    expect(adaptive.pilotItems).toBe(96);
    expect(sure.items).toBe(96);
    const none = { items: 0, moved: 0 };
    expect(sequentialChangeTest({ sure: { items: 64, moved: 1 }, unsure: none }, defaultRates).verdict).toBe(
      'undecided',
    );
    expect(sequentialChangeTest({ sure: { items: 96, moved: 1 }, unsure: none }, defaultRates).verdict).toBe(
      'stable',
    );
  });

  it('asks first the round-2 calls that carry the most unsure answers, each with its own batch code', async () => {
    const items = makeItems(600);
    const model = scripted(() => false);
    const { summary } = await batchPrompt({ ...fixedSize, examples: 'first-round', items, model });
    const seasModel = scripted(() => false);
    await batchPrompt({ ...common, examples: 'first-round', strategy: 'bpe+seas', items, model: seasModel });
    const roundTwo = (requests: GenerateRequest[]) =>
      requests.filter((request) => request.messages.length <= 2);
    const unsureCount = (request: GenerateRequest) =>
      batchOf(request).filter((entry) => entry.item % 10 === 0).length;
    const pilotCall = roundTwo(model.requests)[0]!;
    const seasCalls = roundTwo(seasModel.requests).slice(0, Math.ceil(600 / 32));
    // The pilot's one call is one of SEAS's round-2 calls, prompt for prompt, and no other of
    // them carries more unsure answers.
    expect(summary.adaptive?.pilotItems).toBe(batchOf(pilotCall).length);
    const same = seasCalls.filter(
      (request) => request.messages.at(-1)?.content === pilotCall.messages.at(-1)?.content,
    );
    expect(same).toHaveLength(1);
    expect(Math.max(...seasCalls.map(unsureCount))).toBe(unsureCount(pilotCall));
    expect(unsureCount(pilotCall)).toBeGreaterThan(Math.min(...seasCalls.map(unsureCount)));
  });

  it('reports the pilot figures that its decision came from', async () => {
    const items = makeItems(400);
    const model = scripted((item, sure, call) => coin(item, call) < (sure ? 0.01 : 0.3));
    const { summary } = await batchPrompt({ ...common, items, model });
    const adaptive = summary.adaptive!;
    const [sure, unsure] = adaptive.strata as [StratumFigures, StratumFigures];
    expect(sure.items + unsure.items).toBeLessThanOrEqual(adaptive.pilotItems);
    expect(sure.items + unsure.items).toBeGreaterThan(adaptive.pilotItems - 4);
    const test = adaptive.test!;
    expect(test.sure).toEqual({ items: sure.items, moved: sure.moved });
    expect(test.unsure).toEqual({ items: unsure.items, moved: unsure.moved });
    const { stableRate, unstableRate } = defaultRates;
    expect(test.logLikelihoodRatio).toBeCloseTo(
      sure.moved * Math.log(unstableRate.sure / stableRate.sure) +
        (sure.items - sure.moved) * Math.log((1 - unstableRate.sure) / (1 - stableRate.sure)) +
        unsure.moved * Math.log(unstableRate.unsure / stableRate.unsure) +
        (unsure.items - unsure.moved) * Math.log((1 - unstableRate.unsure) / (1 - stableRate.unsure)),
      10,
    );
    expect(sure.stopsAfterRound1).toBe(test.verdict === 'stable');
    expect(unsure.stopsAfterRound1).toBe(sure.stopsAfterRound1 && unsure.lowerBound <= unsure.limit!);
    for (const stratum of adaptive.strata) {
      expect(stratum.changeRate).toBeCloseTo(stratum.changed / Math.max(1, stratum.items), 10);
      expect(adaptive.decision).toContain(`${stratum.changed}/${stratum.items} changed label`);
    }
    expect(summary.rounds.find((round) => round.round === 2)?.activeItems).toBeGreaterThanOrEqual(
      adaptive.pilotItems,
    );
  });
});

describe('the rounds of a stable model', () => {
  it('are not asked for fewer than minRoundItems items: those keep the votes they have', async () => {
    // Sure answers never move, so the pilot calls the model stable; unsure ones (every tenth
    // item) flip half the time, so they go on voting and fewer of them are left each round.
    const flip = (item: number, sure: boolean, call: string) => !sure && coin(item, call) < 0.5;
    const run = (minRoundItems: number) =>
      batchPrompt({
        ...fixedSize,
        items: makeItems(400),
        model: scripted(flip),
        adaptive: { ...fixedSize.adaptive, minRoundItems },
      });
    const everyRound = await run(0);
    const activeAfterPilot = (summary: typeof everyRound.summary) =>
      summary.rounds.filter((round) => round.round >= 3).map((round) => round.activeItems);
    expect(everyRound.summary.adaptive?.test?.verdict).toBe('stable');
    expect(activeAfterPilot(everyRound.summary).some((items) => items > 0 && items < 8)).toBe(true);
    expect(everyRound.summary.adaptive?.stoppedAsFewLeft).toBe(0);

    const { summary, results } = await run(8);
    expect(activeAfterPilot(summary).every((items) => items >= 8)).toBe(true);
    expect(summary.adaptive?.stoppedAsFewLeft).toBeGreaterThan(0);
    expect(summary.calls).toBeLessThan(everyRound.summary.calls);
    // The items that left as few keep an answer from the votes they had.
    expect(results.every((result) => result.status === 'answered')).toBe(true);
    // Every item leaves once: stopped after some round, or through the last one.
    for (const { summary: counted } of [everyRound, { summary }]) {
      const stopped = counted.rounds.reduce((sum, round) => sum + round.stopped, 0);
      const throughLast = counted.rounds.find((round) => round.round === 5)?.activeItems ?? 0;
      expect(stopped + throughLast).toBe(400);
    }
  });
});
