/**
 * Cuts a sequence, in its order, into groups of at most `maxEntries` entries and at most `maxSize`
 * in all (a batch's item tokens, a batch job's request bytes). An entry larger than `maxSize` on
 * its own still gets a group to itself: refusing it is the caller's decision.
 */
export function packInOrder<T>(
  entries: readonly T[],
  limits: { maxEntries: number; maxSize: number; sizeOf: (entry: T) => number },
): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let currentSize = 0;
  for (const entry of entries) {
    const size = limits.sizeOf(entry);
    if (current.length > 0 && (current.length >= limits.maxEntries || currentSize + size > limits.maxSize)) {
      groups.push(current);
      current = [];
      currentSize = 0;
    }
    current.push(entry);
    currentSize += size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
