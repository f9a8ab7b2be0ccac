import { describe, expect, it } from 'vitest';
import type { ItemState } from './item-state.js';
import { jointGrowthRefused } from './joint-pilot.js';
import type { RunWindow } from './plan-stage.js';

/** A window of `answered` items with one round-1 vote each, the first `sure` of them tagged sure. */
function windowOf(answered: number, sure: number, unanswered = 0): RunWindow {
  const items: ItemState[] = Array.from({ length: answered + unanswered }, (_, index) => ({
    index,
    item: { id: `item-${index}`, fields: { text: `text ${index}` } },
    tokens: 10,
    votes:
      index < answered
        ? [{ round: 1, answer: 'yes', confident: index < sure, position: index % 32, batchSize: 32 }]
        : [],
    problems: [],
    callFailed: false,
    rounds: index < answered ? 1 : 0,
  }));
  return { index: 0, items, active: items };
}

describe("a joint pilot's first calls", () => {
  it('let the batch grow from 80% of sure answers, counting only the items answered', () => {
    expect(jointGrowthRefused(windowOf(64, 52, 200))).toBeUndefined();
    expect(jointGrowthRefused(windowOf(64, 64))).toBeUndefined();
    expect(jointGrowthRefused(windowOf(64, 51, 200))).toBe(
      '51 of the first 64 answers were sure (79.7%, below 80%): the batch does not grow before round 1 is complete',
    );
  });

  it('refuse nothing before an answer came back', () => {
    expect(jointGrowthRefused(windowOf(0, 0, 100))).toBeUndefined();
  });
});
