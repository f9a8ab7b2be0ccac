import { describe, expect, it } from 'vitest';
import type { RequestTally } from '../stack/request-ledger.js';
import { pricedRequests, requestsSince, withBilledFailures } from './paid-requests.js';

function tally(scale: number): RequestTally {
  return {
    sent: 10 * scale,
    answered: 7 * scale,
    failed: 3 * scale,
    billedFailed: 2 * scale,
    abandoned: 1 * scale,
    inputTokens: 7000 * scale,
    outputTokens: 700 * scale,
    failedInputTokens: 2000 * scale,
    failedOutputTokens: 100 * scale,
    countedLocally: 2 * scale,
    failures: { refused: 0, 'server-error': 1 * scale, 'unusable-reply': 2 * scale, 'no-reply': 0 },
  };
}

describe('paid requests', () => {
  it('are the ledger counts since a reading, every count and kind of failure', () => {
    expect(requestsSince(tally(3), tally(1))).toEqual(tally(2));
    expect(requestsSince(tally(3))).toEqual(tally(3));
  });

  it('price the billed failures at the model price, and none without one', () => {
    // $1 per 1,000 input tokens, $2 per 1,000 output tokens.
    expect(pricedRequests(tally(1), { input: 1000, output: 2000 }).failedCostUsd).toBeCloseTo(2.2, 10);
    expect(pricedRequests(tally(1), undefined).failedCostUsd).toBeNull();
  });

  it('count the billed failures in calls and tokens', () => {
    expect(withBilledFailures({ calls: 5, inputTokens: 50, outputTokens: 5, name: 'bpe' }, tally(1))).toEqual(
      {
        calls: 7,
        inputTokens: 2050,
        outputTokens: 105,
        name: 'bpe',
      },
    );
  });
});
