import { hashSeed, seededRandom } from '../engine/seeded-random.js';

/**
 * The rows a trial run takes: the first `limit`, or a uniform sample of `sample` rows chosen by
 * `seed` (the same seed picks the same rows), kept in file order. Undefined: every row.
 *
 * A sample is the one the library's `loadItems({ sample, seed })` takes (`sampleItems`): the first
 * `sample` places of the same seeded shuffle of the row numbers, so `run --sample 320 --seed 0`,
 * `eval` and a script built on `loadItems` answer the same rows of a file without bad rows (a
 * file with bad rows: `loadItems` samples among the good rows, the commands among all rows).
 * The shuffle is of a typed array of row numbers, 4 bytes a row, not of the rows.
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
  // Fisher-Yates from the end, as `shuffled` does, with the same generator and seed.
  const places = new Uint32Array(totalRows);
  for (let index = 0; index < totalRows; index += 1) places[index] = index;
  const random = seededRandom(hashSeed('sample', choice.seed));
  for (let index = totalRows - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    const kept = places[index]!;
    places[index] = places[other]!;
    places[other] = kept;
  }
  const chosen = new Set(places.subarray(0, choice.sample));
  return (row) => chosen.has(row);
}
