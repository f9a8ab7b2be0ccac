import { hashSeed, seededRandom } from '../engine/seeded-random.js';

/**
 * The rows a trial run takes: the first `limit`, or a uniform sample of `sample` rows chosen by
 * `seed` (the same seed picks the same rows), kept in file order. Undefined: every row.
 */
export function rowSelection(
  choice: { limit?: number; sample?: number; seed: number },
  totalRows: number,
): ((row: number) => boolean) | undefined {
  if (choice.limit !== undefined) {
    const limit = choice.limit;
    return (row) => row < limit;
  }
  if (choice.sample === undefined || choice.sample >= totalRows) return undefined;
  // A partial Fisher-Yates shuffle: the first `sample` places of a seeded permutation.
  const places = new Uint32Array(totalRows);
  for (let index = 0; index < totalRows; index += 1) places[index] = index;
  const random = seededRandom(hashSeed('sample', choice.seed));
  for (let index = 0; index < choice.sample; index += 1) {
    const other = index + Math.floor(random() * (totalRows - index));
    const kept = places[index]!;
    places[index] = places[other]!;
    places[other] = kept;
  }
  const chosen = new Set(places.subarray(0, choice.sample));
  return (row) => chosen.has(row);
}
