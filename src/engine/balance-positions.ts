import type { Vote } from './vote.js';

/** How far from the nearer edge of its batch a vote was given: 0 at either end, 1 in the middle. */
function middleness(vote: Pick<Vote, 'position' | 'batchSize'>): number {
  if (vote.batchSize <= 1) return 0;
  const relative = vote.position / (vote.batchSize - 1);
  return 1 - Math.abs(2 * relative - 1);
}

/**
 * Reorders one batch so that the items that sat nearest the middle in earlier rounds now sit at
 * its edges, where models answer best, and the items that sat at the edges move inward. The batch
 * keeps its members (its neighbourhood stays the random one the shuffle made); only places change.
 * Slots are filled from the outside in, alternating front and back; ties are ranked in the shuffled
 * order.
 */
export function balancePositions<T extends { votes: readonly Pick<Vote, 'position' | 'batchSize'>[] }>(
  batch: readonly T[],
): T[] {
  const pastMiddleness = (entry: T) =>
    entry.votes.length === 0
      ? 0.5
      : entry.votes.reduce((sum, vote) => sum + middleness(vote), 0) / entry.votes.length;
  const ranked = batch
    .map((entry, index) => ({ entry, index, score: pastMiddleness(entry) }))
    .sort((left, right) => right.score - left.score || left.index - right.index);
  const arranged: T[] = new Array(batch.length);
  let front = 0;
  let back = batch.length - 1;
  ranked.forEach(({ entry }, rank) => {
    if (rank % 2 === 0) arranged[front++] = entry;
    else arranged[back--] = entry;
  });
  return arranged;
}
