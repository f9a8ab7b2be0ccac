import { createHash } from 'node:crypto';

/** A 32-bit seed from any list of parts, stable across platforms and runs. */
export function hashSeed(...parts: (string | number)[]): number {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  return digest.readUInt32LE(0);
}

/** mulberry32: a small, fast generator; good enough for shuffles, not for secrets. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** A shuffled copy (Fisher-Yates), reproducible from the seed. */
export function shuffled<T>(values: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const copy = [...values];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    const held = copy[index]!;
    copy[index] = copy[other]!;
    copy[other] = held;
  }
  return copy;
}

/** A short batch code from the batch's identity: lower-case letters and digits, never all digits. */
export function batchTag(...parts: (string | number)[]): string {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  const alphabet = 'abcdefghjkmnpqrstuvwxyz';
  const characters = 'abcdefghjkmnpqrstuvwxyz23456789';
  let tag = alphabet[digest[0]! % alphabet.length]!;
  for (let index = 1; index < 4; index += 1) tag += characters[digest[index]! % characters.length]!;
  return tag;
}
