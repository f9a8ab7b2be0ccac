/**
 * Cuts a sequence into batches of at most `batchSize` entries and at most `maxBatchTokens` item
 * tokens. An entry larger than the token cap on its own still gets a batch to itself: refusing
 * it is the caller's decision, made before the run starts.
 */
export function packBatches<T>(
  entries: readonly T[],
  options: { batchSize: number; maxBatchTokens: number; tokensOf: (entry: T) => number },
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let currentTokens = 0;
  for (const entry of entries) {
    const tokens = options.tokensOf(entry);
    if (
      current.length > 0 &&
      (current.length >= options.batchSize || currentTokens + tokens > options.maxBatchTokens)
    ) {
      batches.push(current);
      current = [];
      currentTokens = 0;
    }
    current.push(entry);
    currentTokens += tokens;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
