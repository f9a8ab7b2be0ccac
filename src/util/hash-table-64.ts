/**
 * A hash table from 64-bit keys, given as two unsigned 32-bit halves, to unsigned 32-bit values,
 * held in three typed arrays: 12 bytes a slot, at most three quarters of the slots used, so 16 to
 * 32 bytes per key, and no object per key for the collector to trace. It is what a pass over a
 * data file of any length can afford to keep per row. The keys must be hashes already (uniformly
 * spread bits), since the slot is read off them; two texts with one key are one key here, so a
 * caller that must tell them apart checks a match against the texts themselves.
 *
 * Open addressing with linear probing; keys are never removed.
 */
export class HashTable64 {
  private highs: Uint32Array;
  private lows: Uint32Array;
  /** The value plus one; 0 marks an empty slot. */
  private values: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(initialSlots = 1024) {
    let slots = 16;
    while (slots < initialSlots) slots *= 2;
    this.highs = new Uint32Array(slots);
    this.lows = new Uint32Array(slots);
    this.values = new Uint32Array(slots);
    this.mask = slots - 1;
  }

  /** How many keys the table holds. */
  get size(): number {
    return this.count;
  }

  /** Bytes of the typed arrays, for memory figures. */
  get byteLength(): number {
    return this.highs.byteLength + this.lows.byteLength + this.values.byteLength;
  }

  get(high: number, low: number): number | undefined {
    const slot = this.find(high >>> 0, low >>> 0);
    const stored = this.values[slot]!;
    return stored === 0 ? undefined : stored - 1;
  }

  /** Gives the key this value, whether it was there or not. */
  set(high: number, low: number, value: number): void {
    if (!(Number.isInteger(value) && value >= 0 && value < 0xffffffff)) {
      throw new RangeError(`Expected \`value\` to be an integer from 0 to 4294967294, got \`${value}\``);
    }
    let slot = this.find(high >>> 0, low >>> 0);
    if (this.values[slot] === 0) {
      if ((this.count + 1) * 4 > this.values.length * 3) {
        this.grow();
        slot = this.find(high >>> 0, low >>> 0);
      }
      this.highs[slot] = high;
      this.lows[slot] = low;
      this.count += 1;
    }
    this.values[slot] = value + 1;
  }

  /** Calls `visit` with every key and its value, in no particular order. */
  forEach(visit: (high: number, low: number, value: number) => void): void {
    for (let slot = 0; slot < this.values.length; slot += 1) {
      const stored = this.values[slot]!;
      if (stored !== 0) visit(this.highs[slot]!, this.lows[slot]!, stored - 1);
    }
  }

  /** The key's slot, or the empty slot where it would go. */
  private find(high: number, low: number): number {
    // Both halves choose the slot, so keys that differ in one half only still spread.
    let slot = (Math.imul(high, 0x9e3779b1) ^ low) & this.mask;
    while (this.values[slot] !== 0 && (this.highs[slot] !== high || this.lows[slot] !== low))
      slot = (slot + 1) & this.mask;
    return slot;
  }

  private grow(): void {
    const { highs, lows, values } = this;
    const slots = values.length * 2;
    this.highs = new Uint32Array(slots);
    this.lows = new Uint32Array(slots);
    this.values = new Uint32Array(slots);
    this.mask = slots - 1;
    for (let old = 0; old < values.length; old += 1) {
      if (values[old] === 0) continue;
      const slot = this.find(highs[old]!, lows[old]!);
      this.highs[slot] = highs[old]!;
      this.lows[slot] = lows[old]!;
      this.values[slot] = values[old]!;
    }
  }
}

/**
 * A 64-bit hash of a text, as two 32-bit halves: two lanes of MurmurHash3's mixing over the
 * text's UTF-16 code units, with different seeds, each finalised. Not for secrets; fast enough to
 * hash every id of a file on every pass.
 */
export function hashText64(text: string): [high: number, low: number] {
  let high = 0x2f0b3c51 ^ text.length;
  let low = 0x7ad1e46b ^ text.length;
  for (let index = 0; index < text.length; index += 1) {
    let unit = Math.imul(text.charCodeAt(index), 0xcc9e2d51);
    unit = Math.imul((unit << 15) | (unit >>> 17), 0x1b873593);
    high ^= unit;
    high = (Math.imul((high << 13) | (high >>> 19), 5) + 0xe6546b64) | 0;
    low ^= unit;
    low = (Math.imul((low << 11) | (low >>> 21), 9) + 0x52dce729) | 0;
  }
  return [finalMix(high), finalMix(low ^ high)];
}

/** MurmurHash3's finaliser: 32 well-mixed bits from 32 bits, as an unsigned integer. */
export function finalMix(value: number): number {
  let hash = value;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
