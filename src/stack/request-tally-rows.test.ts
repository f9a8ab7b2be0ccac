import { describe, expect, it } from 'vitest';
import type { RequestTally } from './request-ledger.js';
import { requestTallyLines } from './request-tally-rows.js';

const answeredAll: RequestTally & { failedCostUsd: number | null } = {
  sent: 57,
  answered: 57,
  failed: 0,
  billedFailed: 0,
  abandoned: 0,
  inputTokens: 538952,
  outputTokens: 28768,
  failedInputTokens: 0,
  failedOutputTokens: 0,
  countedLocally: 0,
  failures: { refused: 0, 'server-error': 0, 'unusable-reply': 0, 'no-reply': 0 },
  failedCostUsd: null,
};

describe('requestTallyLines', () => {
  // eval prints these lines under its summary: each count follows the word it counts, not
  // `requests sent: answered / failed: 57: 57 / 0`.
  it('gives the counts in the order of their names', () => {
    expect(requestTallyLines(answeredAll)).toEqual(['requests sent / answered / failed: 57 / 57 / 0']);
  });

  it('adds the billed failures, and the requests whose tokens were counted locally', () => {
    const lines = requestTallyLines({
      ...answeredAll,
      sent: 7,
      answered: 3,
      failed: 4,
      billedFailed: 1,
      failedInputTokens: 812,
      failedCostUsd: 0.0016,
      countedLocally: 2,
    });
    expect(lines).toEqual([
      'requests sent / answered / failed: 7 / 3 / 4 (1 billed: 812 / 0 tokens, $0.0016, counted in calls, tokens and cost)',
      'tokens counted locally (o200k): 2 of 7 requests: usage missing, zero, not a count or beyond the request',
    ]);
  });
});
