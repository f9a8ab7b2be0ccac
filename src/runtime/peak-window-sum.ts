/** Something that happened at `at` (milliseconds) and counts `amount` (tokens, or 1 for a request). */
export interface TimedAmount {
  at: number;
  amount: number;
}

/**
 * The most that events falling within one window of `windowMs` add up to (a closed window: both
 * ends count), the figure a per-minute limit caps. A rate averaged over a run shorter than the
 * window is not that figure: a limit of L per minute lets a 5 s run send its whole burst and then
 * some, which averaged and scaled to a minute reads as more than L while no minute held more.
 */
export function peakWindowSum(events: readonly TimedAmount[], windowMs: number): number {
  const sorted = [...events].sort((left, right) => left.at - right.at);
  let best = 0;
  let first = 0;
  let inWindow = 0;
  for (const event of sorted) {
    inWindow += event.amount;
    while (event.at - sorted[first]!.at > windowMs) inWindow -= sorted[first++]!.amount;
    best = Math.max(best, inWindow);
  }
  return best;
}
