import { describe, expect, it } from 'vitest';
import { readRenderedBatch } from '../prompt/read-rendered-batch.js';
import type { GenerateRequest } from '../spec/chat-model.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { createScriptedModel } from '../test/scripted-model.js';
import { batchPrompt } from './batch-prompt.js';
import { pilotSize } from './run-adaptive-window.js';
import type { Item } from './types.js';

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
function scripted(flip: (item: number, sure: boolean, call: string) => boolean) {
  return createScriptedModel({
    reply: (request) =>
      batchOf(request)
        .map((entry) => {
          const sure = entry.item % 10 !== 0;
          const label = flip(entry.item, sure, entry.tag) ? other(entry.item) : gold(entry.item);
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
    const pilot = pilotSize(2000, summary.strategy);
    expect(adaptive.pilotItems).toBe(pilot);
    expect(
      adaptive.strata.map((stratum) => [stratum.stratum, stratum.changed, stratum.stopsAfterRound1]),
    ).toEqual([
      ['sure', 0, true],
      ['unsure', 0, true],
    ]);
    const outside = results.slice(pilot);
    expect(outside.every((result) => result.rounds === 1)).toBe(true);
    expect(adaptive.stoppedAfterRound1).toBe(2000 - pilot);
    expect(adaptive.finalBatchSize).toBeGreaterThan(32);
    expect(adaptive.probes.every((probe) => probe.accepted && probe.agreed === probe.anchors)).toBe(true);
    // The calls after the pilot hold the grown batch.
    const largest = Math.max(...model.requests.map((request) => batchOf(request).length));
    expect(largest).toBe(adaptive.finalBatchSize);
    expect(summary.accuracy).toBe(1);
    expect(summary.roundsPerItem).toBeLessThan(1.3);
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
    const outside = results.slice(adaptive.pilotItems);
    const unsureOutside = outside.filter((result) => result.index % 10 === 0);
    const sureOutside = outside.filter((result) => result.index % 10 !== 0);
    expect(sureOutside.every((result) => result.rounds === 1)).toBe(true);
    expect(unsureOutside.every((result) => result.rounds >= 2)).toBe(true);
    // Items whose two unsure votes split go on past round 2.
    expect(unsureOutside.some((result) => result.rounds > 2)).toBe(true);
  });

  it('falls back to SEAS for every item when sure answers flip', async () => {
    const items = makeItems(600);
    const model = scripted((item, sure, call) => sure && coin(item, call) < 0.15);
    const { results, summary } = await batchPrompt({ ...common, items, model });
    const adaptive = summary.adaptive!;
    expect(adaptive.strata.map((stratum) => stratum.stopsAfterRound1)).toEqual([false, false]);
    expect(adaptive.stoppedAfterRound1).toBe(0);
    expect(adaptive.finalBatchSize).toBe(32);
    expect(adaptive.probes).toEqual([]);
    expect(results.every((result) => result.rounds >= 2)).toBe(true);
    expect(adaptive.decision).toMatch(/sure answers go on under SEAS/);
  });

  it('reports the pilot figures that its decision came from', async () => {
    const items = makeItems(400);
    const model = scripted((item, sure, call) => coin(item, call) < (sure ? 0.01 : 0.3));
    const { results, summary } = await batchPrompt({ ...common, items, model });
    const adaptive = summary.adaptive!;
    const pilot = results.slice(0, adaptive.pilotItems);
    for (const stratum of adaptive.strata) {
      const members = pilot.filter((result) => {
        const first = result.votes.find((vote) => vote.round === 1);
        return first !== undefined && first.confident === (stratum.stratum === 'sure');
      });
      const changed = members.filter(
        (result) =>
          result.votes.find((vote) => vote.round === 1)?.answer !==
          result.votes.find((vote) => vote.round === 2)?.answer,
      );
      expect(stratum.items).toBe(members.length);
      expect(stratum.changed).toBe(changed.length);
      expect(stratum.changeRate).toBeCloseTo(changed.length / members.length, 10);
      expect(stratum.upperBound).toBeGreaterThan(stratum.changeRate);
      expect(stratum.stopsAfterRound1).toBe(
        stratum.upperBound <= stratum.limit &&
          (stratum.stratum === 'sure' || adaptive.strata[0]!.stopsAfterRound1),
      );
      expect(adaptive.decision).toContain(`${stratum.changed}/${stratum.items} changed`);
    }
    expect(summary.rounds.find((round) => round.round === 2)?.activeItems).toBeGreaterThanOrEqual(
      adaptive.pilotItems,
    );
  });

  it('sizes the pilot as a share of the window, at least the minimum, in whole batches', async () => {
    const { summary } = await batchPrompt({ ...common, items: makeItems(10), model: scripted(() => false) });
    expect(pilotSize(10, summary.strategy)).toBe(10);
    expect(pilotSize(300, summary.strategy)).toBe(64);
    expect(pilotSize(4096, summary.strategy)).toBe(416);
  });
});
