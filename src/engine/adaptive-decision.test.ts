import { describe, expect, it } from 'vitest';
import {
  adaptiveSummary,
  decidePilot,
  judgePilotSize,
  judgeProbe,
  type PilotObservation,
  probedBatchSize,
} from './adaptive-decision.js';
import { resolveStrategy } from './resolve-strategy.js';
import type { Vote } from './vote.js';

const strategy = resolveStrategy({ strategy: 'adaptive', batchSize: 32, rounds: 5, format: 'lines' });

/** A pilot item: its round-1 and round-2 answers, as `yes`/`no` and sure/unsure, in calls of 32. */
function item(...answers: [answer: string, sure: boolean][]): { votes: Vote[] } {
  return {
    votes: answers.map(([answer, confident], index) => ({
      round: index + 1,
      answer,
      confident,
      position: 0,
      batchSize: 32,
    })),
  };
}

function pilotOf(counts: {
  sureStay: number;
  sureMove?: number;
  unsureStay: number;
  unsureTurnSure?: number;
  unsureFlip?: number;
}) {
  return [
    ...Array.from({ length: counts.sureStay }, () => item(['yes', true], ['yes', true])),
    ...Array.from({ length: counts.sureMove ?? 0 }, () => item(['yes', true], ['no', true])),
    ...Array.from({ length: counts.unsureStay }, () => item(['no', false], ['no', false])),
    ...Array.from({ length: counts.unsureTurnSure ?? 0 }, () => item(['no', false], ['no', true])),
    ...Array.from({ length: counts.unsureFlip ?? 0 }, () => item(['no', false], ['yes', false])),
  ];
}

describe('decidePilot on hand-made observations', () => {
  it('calls a model whose answers stay stable, and lets both strata stop after round 1', () => {
    const observation: PilotObservation = {
      pilot: pilotOf({ sureStay: 28, unsureStay: 4 }),
      complete: false,
    };
    const { decision, strata, test, text } = decidePilot(observation, strategy);
    expect(test?.verdict).toBe('stable');
    expect(decision).toEqual({ stable: true, stopsAfterRound1: { sure: true, unsure: true }, batchSize: 32 });
    expect(strata.map((stratum) => [stratum.items, stratum.changed, stratum.moved])).toEqual([
      [28, 0, 0],
      [4, 0, 0],
    ]);
    expect(text).toMatch(/^sequential test stable: sure answers stop after round 1 \(0\/28 changed label/);
  });

  it('calls a model whose unsure answers come back sure order-dependent: nothing stops after round 1', () => {
    const observation = {
      pilot: pilotOf({ sureStay: 27, sureMove: 1, unsureStay: 0, unsureTurnSure: 4 }),
      complete: false,
    };
    const { decision, text } = decidePilot(observation, strategy);
    expect(decision).toEqual({
      stable: false,
      stopsAfterRound1: { sure: false, unsure: false },
      batchSize: 32,
    });
    expect(text).toMatch(/^sequential test order-dependent: sure answers go on under SEAS/);
  });

  it('keeps unsure answers voting on a stable model when their labels clearly change', () => {
    // 5 of 9 unsure answers change label: not enough to outweigh 60 sure answers that stay (the
    // unsure ones alone stay below the order-dependent threshold), but far above 20% of changes.
    const pilot = pilotOf({ sureStay: 60, unsureStay: 4, unsureFlip: 5 });
    const { decision, strata, test } = decidePilot({ pilot, complete: false }, strategy);
    expect(test?.verdict).toBe('stable');
    expect(decision?.stopsAfterRound1).toEqual({ sure: true, unsure: false });
    expect(strata[1]!.lowerBound).toBeGreaterThan(0.2);
  });

  it('wants more answers while the test is undecided, and decides for SEAS once the pilot has asked all it could', () => {
    // One sure answer of 32 changed label: the test needs more repeats to call the model stable.
    const pilot = pilotOf({ sureStay: 31, sureMove: 1, unsureStay: 0 });
    const pending = decidePilot({ pilot, complete: false }, strategy);
    expect(pending.decision).toBeUndefined();
    expect(pending.test?.verdict).toBe('undecided');
    const exhausted = decidePilot({ pilot, complete: true }, strategy);
    expect(exhausted.decision?.stable).toBe(false);
    expect(exhausted.text).toMatch(/^sequential test undecided when round 2 was complete: /);
  });

  it('takes first pilot calls of the simulated profiles as their kind of model, or asks again', () => {
    const verdict = (counts: Parameters<typeof pilotOf>[0]) =>
      decidePilot({ pilot: pilotOf(counts), complete: false }, strategy).test?.verdict;
    // sim:gpt-4, BoolQ seed 0 (bench prompt): 3 of 28 sure answers moved; all 4 unsure ones (2
    // changed label).
    expect(verdict({ sureStay: 25, sureMove: 3, unsureStay: 0, unsureTurnSure: 2, unsureFlip: 2 })).toBe(
      'order-dependent',
    );
    // sim:gpt-3.5: about 30% of sure answers and 80% of unsure ones move.
    expect(verdict({ sureStay: 18, sureMove: 8, unsureStay: 1, unsureTurnSure: 5 })).toBe('order-dependent');
    // sim:frontier, RTE seed 1: 1 of 24 sure answers changed; 2 of 8 unsure ones came back sure.
    expect(verdict({ sureStay: 23, sureMove: 1, unsureStay: 6, unsureTurnSure: 2 })).toBe('stable');
    // sim:frontier, QQP seed 0: 1 of 19 sure answers moved, 4 of 11 unsure ones.
    expect(verdict({ sureStay: 18, sureMove: 1, unsureStay: 7, unsureTurnSure: 3, unsureFlip: 1 })).toBe(
      'stable',
    );
    // sim:frontier, RTE seed 0 with examples in every call: 6 of 8 unsure answers moved (5 came back
    // sure, 1 changed label), none of 24 sure ones; and the kill-and-resume run at 16 items per call:
    // 4 of 5 unsure moved, none of 11 sure. Neither called the model order-dependent: the pilot asks
    // another call (at the earlier rates, 0.25 and 0.75 for unsure answers, both did).
    expect(verdict({ sureStay: 24, unsureStay: 2, unsureTurnSure: 5, unsureFlip: 1 })).toBe('undecided');
    expect(verdict({ sureStay: 11, unsureStay: 1, unsureTurnSure: 3, unsureFlip: 1 })).toBe('undecided');
  });

  it('runs the pilot when two rounds are allowed, and keeps SEAS on a model it finds order-dependent', () => {
    const observation = {
      pilot: pilotOf({ sureStay: 27, sureMove: 1, unsureStay: 0, unsureTurnSure: 4 }),
      complete: false,
    };
    const { decision } = decidePilot(observation, { ...strategy, rounds: 2 });
    expect(decision?.stable).toBe(false);
    expect(decision?.stopsAfterRound1).toEqual({ sure: false, unsure: false });
  });

  it('lets unsure answers that never changed label stop under an unsureChangeLimit of 0: only a lower bound above the limit keeps them', () => {
    const adaptive = { ...strategy.adaptive, unsureChangeLimit: 0 };
    const pilot = pilotOf({ sureStay: 28, unsureStay: 4 });
    const { decision, strata } = decidePilot({ pilot, complete: false }, { ...strategy, adaptive });
    expect(strata[1]!.lowerBound).toBe(0);
    expect(decision?.stopsAfterRound1).toEqual({ sure: true, unsure: true });
  });

  it('needs no pilot when one round is all a run may ask', () => {
    const { decision, text } = decidePilot({ pilot: [], complete: false }, { ...strategy, rounds: 1 });
    expect(decision).toEqual({ stable: true, stopsAfterRound1: { sure: true, unsure: true }, batchSize: 32 });
    expect(text).toBe('one round allowed: no pilot, every item gets one answer');
  });
});

describe('probes of larger batches', () => {
  it('keep a size while the upper bound of the anchors disagreeing is within probeDisagreementLimit', () => {
    expect(judgeProbe({ batchSize: 64, anchors: 32, agreed: 32 }, strategy.adaptive).accepted).toBe(true);
    // 0 of 28 disagreeing still leaves room for 5.5%: not proven within 5%.
    expect(judgeProbe({ batchSize: 64, anchors: 28, agreed: 28 }, strategy.adaptive).accepted).toBe(false);
    expect(judgeProbe({ batchSize: 64, anchors: 32, agreed: 31 }, strategy.adaptive).accepted).toBe(false);
    expect(judgeProbe({ batchSize: 64, anchors: 0, agreed: 0 }, strategy.adaptive).accepted).toBe(false);
  });

  it('keep any size under a probeDisagreementLimit of 1, but never one no anchor was asked at', () => {
    const adaptive = { ...strategy.adaptive, probeDisagreementLimit: 1 };
    const allDisagreed = judgeProbe({ batchSize: 64, anchors: 4, agreed: 0 }, adaptive);
    expect(allDisagreed.disagreementUpperBound).toBe(1);
    expect(allDisagreed.accepted).toBe(true);
    expect(judgeProbe({ batchSize: 64, anchors: 0, agreed: 0 }, adaptive).accepted).toBe(false);
  });

  it('keep the size of a pilot asked in a larger call on a stable verdict, unless its labels clearly changed', () => {
    const judged = (agreed: number, stable = true) =>
      judgePilotSize({ batchSize: 100, anchors: 16, agreed }, stable, strategy.adaptive);
    // One change in 16 leaves the lower bound of the disagreement at 1.9%, two at 5.3%.
    expect(judged(16).accepted).toBe(true);
    expect(judged(15).accepted).toBe(true);
    expect(judged(14).accepted).toBe(false);
    expect(judged(16, false).accepted).toBe(false);
    expect(judgePilotSize({ batchSize: 100, anchors: 0, agreed: 0 }, true, strategy.adaptive).accepted).toBe(
      false,
    );
    expect(judged(15)).toMatchObject({
      batchSize: 100,
      anchors: 16,
      agreed: 15,
      limit: 0.05,
      askedBy: 'pilot',
    });
    expect(judged(15).disagreementUpperBound).toBeCloseTo(0.1876, 3);
  });

  it('give the batch size of the last accepted size before the first rejected one', () => {
    const accepted = judgeProbe({ batchSize: 64, anchors: 32, agreed: 32 }, strategy.adaptive);
    const rejected = judgeProbe({ batchSize: 100, anchors: 32, agreed: 29 }, strategy.adaptive);
    expect(probedBatchSize(32, [])).toBe(32);
    expect(probedBatchSize(32, [accepted])).toBe(64);
    expect(probedBatchSize(32, [accepted, rejected])).toBe(64);
    expect(probedBatchSize(32, [rejected, accepted])).toBe(32);
  });
});

describe('the adaptive summary', () => {
  it('is built from the verdict, the probes and the stops the accounts counted', () => {
    const verdict = decidePilot(
      { pilot: pilotOf({ sureStay: 28, unsureStay: 4 }), complete: false },
      strategy,
    );
    const probe = judgeProbe({ batchSize: 64, anchors: 32, agreed: 32 }, strategy.adaptive);
    const summary = adaptiveSummary(
      strategy,
      {
        pilotTiming: 'first-calls',
        verdict,
        pilotItems: 32,
        probes: [probe],
        growthSkipped: undefined,
        finalBatchSize: 64,
      },
      { afterRound1: 250, byUnsureCap: 3, asFewLeft: 2 },
    );
    expect(summary).toMatchObject({
      pilotTiming: 'first-calls',
      pilotItems: 32,
      decision: verdict.text,
      startBatchSize: 32,
      finalBatchSize: 64,
      probes: [probe],
      stoppedAfterRound1: 250,
      stoppedByUnsureCap: 3,
      stoppedAsFewLeft: 2,
    });
    expect(summary.test?.verdict).toBe('stable');
    const before = adaptiveSummary(
      strategy,
      {
        pilotTiming: undefined,
        verdict: undefined,
        pilotItems: 0,
        probes: [],
        growthSkipped: undefined,
        finalBatchSize: 32,
      },
      { afterRound1: 0, byUnsureCap: 0, asFewLeft: 0 },
    );
    expect(before.decision).toBe('no pilot yet');
    expect(before.pilotTiming).toBeUndefined();
    expect(before.test).toBeUndefined();
  });
});
