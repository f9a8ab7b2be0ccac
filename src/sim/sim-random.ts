import { createHash } from 'node:crypto';

/**
 * Uniform numbers in [0, 1) drawn from a hash of `parts`: the same parts always give the same
 * numbers, on every platform and in every process. The simulator takes all its randomness from
 * here, so that a request's reply depends on nothing but the seed and the request itself (the
 * response cache and resumed runs rely on that). Up to eight numbers per hash.
 */
export function hashUniforms(count: number, ...parts: (string | number)[]): number[] {
  if (count > 8) throw new RangeError(`Expected \`count\` to be at most 8, got \`${count}\``);
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  const values: number[] = [];
  for (let index = 0; index < count; index += 1) values.push(digest.readUInt32LE(index * 4) / 4294967296);
  return values;
}

/** A short hex digest of a text, used to key per-request draws without hashing the text again. */
export function textDigest(text: string): string {
  // Hex of the first 12 bytes, written as a string of its own: a slice of the full hex digest
  // would keep the 64-character original alive in every catalog entry.
  return createHash('sha256').update(text).digest().toString('hex', 0, 12);
}
