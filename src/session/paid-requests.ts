import { costUsd, type ModelPrice } from '../plan/price-table.js';
import type { FailureKind, RequestTally } from '../stack/request-ledger.js';

/** The requests of a run or of one strategy's pass, with the dollars of the failures that were billed. */
export type PricedRequests = RequestTally & { failedCostUsd: number | null };

const tallyCounts = [
  'sent',
  'answered',
  'failed',
  'billedFailed',
  'abandoned',
  'inputTokens',
  'outputTokens',
  'failedInputTokens',
  'failedOutputTokens',
  'countedLocally',
] as const;

/**
 * The requests sent between two readings of the stack's ledger (`session.stack.requests()`): a
 * strategy's pass of `eval --compare`, when the passes run one after another. Without `before`,
 * every request since the stack opened.
 */
export function requestsSince(after: RequestTally, before?: RequestTally): RequestTally {
  if (before === undefined) return after;
  const since = { ...after, failures: { ...after.failures } };
  for (const count of tallyCounts) since[count] = after[count] - before[count];
  for (const kind of Object.keys(since.failures) as FailureKind[])
    since.failures[kind] = after.failures[kind] - before.failures[kind];
  return since;
}

/** The requests with their billed failures priced (null without a price). */
export function pricedRequests(tally: RequestTally, price: ModelPrice | undefined): PricedRequests {
  return {
    ...tally,
    failedCostUsd: costUsd(price, tally.failedInputTokens, tally.failedOutputTokens) ?? null,
  };
}

/**
 * Calls and tokens with the billed failures added: a request whose success reply could not be used
 * was paid for as any call, so it counts in calls and tokens (and so in what they cost) wherever a
 * run's or a strategy's figures are shown.
 */
export function withBilledFailures<T extends { calls: number; inputTokens: number; outputTokens: number }>(
  counts: T,
  requests: RequestTally,
): T {
  return {
    ...counts,
    calls: counts.calls + requests.billedFailed,
    inputTokens: counts.inputTokens + requests.failedInputTokens,
    outputTokens: counts.outputTokens + requests.failedOutputTokens,
  };
}
