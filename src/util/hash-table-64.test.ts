import { describe, expect, it } from 'vitest';
import { HashTable64, hashText64 } from './hash-table-64.js';

describe('HashTable64', () => {
  it('keeps every key and its latest value as it grows, keys apart by either half', () => {
    const table = new HashTable64(16);
    for (let index = 0; index < 5_000; index += 1) {
      // Keys that differ in one half only, and the same halves swapped.
      table.set(index, 7, index);
      table.set(7, index, index + 100_000);
    }
    table.set(3, 7, 42);
    // (7, 7) was set twice, by each loop: one key.
    expect(table.size).toBe(9_999);
    expect(table.get(3, 7)).toBe(42);
    expect(table.get(4_999, 7)).toBe(4_999);
    expect(table.get(7, 4_999)).toBe(104_999);
    expect(table.get(7, 7)).toBe(100_007);
    expect(table.get(5_000, 7)).toBeUndefined();
    expect(table.get(0xffffffff, 0xffffffff)).toBeUndefined();
    // Under three quarters full, in a power of two of 12-byte slots.
    expect(table.byteLength).toBe(16_384 * 12);
  });

  it('visits every key once with its value, after growing too', () => {
    const table = new HashTable64(16);
    for (let index = 0; index < 100; index += 1) table.set(index, index * 3, index % 7);
    const seen = new Map<string, number>();
    table.forEach((high, low, value) => {
      seen.set(`${high}:${low}`, value);
    });
    expect(seen.size).toBe(100);
    expect(seen.get('99:297')).toBe(99 % 7);
    expect(seen.get('0:0')).toBe(0);
  });

  it('takes keys as signed or unsigned 32-bit numbers alike, and the value 0', () => {
    const table = new HashTable64();
    table.set(-1, -2, 0);
    expect(table.get(0xffffffff, 0xfffffffe)).toBe(0);
    expect(table.size).toBe(1);
  });

  it('refuses a value that is not an unsigned 32-bit integer below the largest', () => {
    const table = new HashTable64();
    expect(() => table.set(1, 1, 0xffffffff)).toThrow(RangeError);
    expect(() => table.set(1, 1, -1)).toThrow(RangeError);
    expect(() => table.set(1, 1, 1.5)).toThrow(RangeError);
    expect(table.size).toBe(0);
  });
});

describe('hashText64', () => {
  it('is the same for the same text and differs for texts a unit, a swap or a length apart', () => {
    expect(hashText64('row-12345')).toEqual(hashText64('row-12345'));
    const texts = ['', 'a', 'b', 'ab', 'ba', 'a\u0000', '\u0000a', 'row-1', 'row-10', 'é', 'e\u0301'];
    const keys = new Set(texts.map((text) => hashText64(text).join(':')));
    expect(keys.size).toBe(texts.length);
  });

  it('gives 10^6 sequential ids 10^6 distinct 64-bit keys, and each half about as many as chance', () => {
    const keys = new HashTable64(1 << 21);
    const highs = new HashTable64(1 << 21);
    const lows = new HashTable64(1 << 21);
    for (let index = 0; index < 1_000_000; index += 1) {
      const [high, low] = hashText64(`row-${index}`);
      keys.set(high, low, index);
      highs.set(high, 0, 0);
      lows.set(0, low, 0);
    }
    expect(keys.size).toBe(1_000_000);
    // 10^6 random 32-bit numbers repeat about 116 times (n^2 / 2^33); a weak half would repeat far more.
    expect(1_000_000 - highs.size).toBeLessThan(300);
    expect(1_000_000 - lows.size).toBeLessThan(300);
  });
});
