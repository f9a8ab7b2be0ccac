import type { RequestTally } from './request-ledger.js';

/**
 * The requests of a run as rows of its summary: how many reached the server, how many were
 * answered and how many failed (the billed ones with their tokens and dollars), and how many had
 * their tokens counted locally because the server's usage could not be believed.
 */
export function requestTallyRows(tally: RequestTally & { failedCostUsd: number | null }): [string, string][] {
  const billed =
    tally.billedFailed === 0
      ? 'none billed'
      : `${tally.billedFailed} billed${tally.abandoned === 0 ? '' : `, ${tally.abandoned} of them abandoned under way when the run stopped (prompts counted, no output received)`}: ${tally.failedInputTokens} / ${tally.failedOutputTokens} tokens${tally.failedCostUsd === null ? '' : `, $${tally.failedCostUsd.toFixed(4)}`}, counted in calls, tokens and cost`;
  const rows: [string, string][] = [
    [
      'requests sent / answered / failed',
      `${tally.sent} / ${tally.answered} / ${tally.failed}${tally.failed === 0 ? '' : ` (${billed})`}`,
    ],
  ];
  if (tally.countedLocally > 0) {
    rows.push([
      'tokens counted locally (o200k)',
      `${tally.countedLocally} of ${tally.sent} requests: usage missing, zero, not a count or beyond the request`,
    ]);
  }
  return rows;
}

/** The same rows as lines (`label: value`), for a message or a list that prints them one a line. */
export function requestTallyLines(tally: RequestTally & { failedCostUsd: number | null }): string[] {
  return requestTallyRows(tally).map(([label, value]) => `${label}: ${value}`);
}
