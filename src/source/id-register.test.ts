import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createIdRegister, type RereadId } from './id-register.js';

/** A file as its ids, row by row (undefined: a row without one), with its rereads counted. */
function fileOf(ids: (string | undefined)[]) {
  const file = { rereads: 0, rowsReread: 0 };
  const reread = async function* (rows: number): AsyncGenerator<RereadId> {
    file.rereads += 1;
    for (let row = 0; row < rows && row < ids.length; row += 1) {
      file.rowsReread += 1;
      const id = ids[row];
      if (id !== undefined) yield { row, line: row + 1, id };
    }
  };
  return { file, reread };
}

/** The first line of each id as a pass meets the rows, undefined for an id's first row. */
async function firstLines(register: ReturnType<typeof createIdRegister>, ids: (string | undefined)[]) {
  const lines: (number | undefined)[] = [];
  for (const [row, id] of ids.entries())
    if (id !== undefined) lines.push(await register.firstLineOf(id, row, row + 1));
  return lines;
}

describe('createIdRegister', () => {
  it('finds a second row with an id, naming the first, and reads the file again once per such id', async () => {
    const ids = ['a', 'b', 'c', 'b', undefined, 'b', 'c', 'd'];
    const { file, reread } = fileOf(ids);
    const register = createIdRegister({ reread });
    expect(await firstLines(register, ids)).toEqual([undefined, undefined, undefined, 2, 2, 3, undefined]);
    // One reread for `b` (up to its first row), one for `c`; the third `b` was known.
    expect(file.rereads).toBe(2);
    expect(file.rowsReread).toBe(2 + 3);
    expect(register.keepsIds).toBe(false);
  });

  it('reads nothing again for 10^5 distinct ids', async () => {
    const ids = Array.from({ length: 100_000 }, (_, index) => `row-${index}`);
    const { file, reread } = fileOf(ids);
    const register = createIdRegister({ reread });
    const lines = await firstLines(register, ids);
    expect(lines.every((line) => line === undefined)).toBe(true);
    expect(file.rereads).toBe(0);
  });

  it('tells apart two ids with one hash: neither is a duplicate, and each one seen again is', async () => {
    // A hash by length only: `ab` and `cd` collide, as two ids of a 64-bit hash very rarely do.
    const hash = (id: string): [number, number] => [0, id.length];
    const ids = ['ab', 'cd', 'xyz', 'cd', 'ab', 'cd'];
    const { file, reread } = fileOf(ids);
    const register = createIdRegister({ reread, hash });
    expect(await firstLines(register, ids)).toEqual([undefined, undefined, undefined, 2, 1, 2]);
    // `cd` (different from row 1's `ab`), the second `cd` (known now), then `ab` (row 1 again).
    expect(file.rereads).toBe(2);
  });

  it('keeps every id after more duplicated ids than its limit, with the same answers as before', async () => {
    // The file appended to itself: every id of the second half is a duplicate.
    const half = Array.from({ length: 50 }, (_, index) => `id-${index}`);
    const ids = [...half, 'extra', ...half, 'extra'];
    const { file, reread } = fileOf(ids);
    const register = createIdRegister({ reread, rereadLimit: 3 });
    const lines = await firstLines(register, ids);
    const expected = [...half.map(() => undefined), undefined, ...half.map((_, index) => index + 1), 51];
    expect(lines).toEqual(expected);
    expect(register.keepsIds).toBe(true);
    // Three rereads up to a first row, then one of all the rows so far.
    expect(file.rereads).toBe(4);
    expect(file.rowsReread).toBe(1 + 2 + 3 + 54);
  });

  it('keeps every id with its first line when it switches, ids known from rereads included', async () => {
    const hash = (id: string): [number, number] => [0, id.length];
    const ids = ['ab', 'cd', 'cd', 'efg', 'ab', 'hij', 'cd', 'ab'];
    const { reread } = fileOf(ids);
    const register = createIdRegister({ reread, hash, rereadLimit: 2 });
    expect(await firstLines(register, ids)).toEqual([undefined, undefined, 2, undefined, 1, undefined, 2, 1]);
    expect(register.keepsIds).toBe(true);
  });

  it('keeps no id and no object per row: 10^5 ids of 40 characters add under 40 bytes each', async () => {
    // In a child process with a callable gc; typed arrays live outside the heap, so their bytes
    // (arrayBuffers) are counted too. A Map from the ids would add over 100 bytes an id.
    const script = `
      const { createIdRegister } = await import(${JSON.stringify(new URL('./id-register.ts', import.meta.url).href)});
      const register = createIdRegister({ reread: async function* () {} });
      const idOf = (index) => String(index).padStart(40, 'x');
      await register.firstLineOf(idOf(-1), 0, 1);
      const used = () => { gc(); gc(); const memory = process.memoryUsage(); return memory.heapUsed + memory.arrayBuffers; };
      const before = used();
      for (let index = 0; index < 100000; index += 1) await register.firstLineOf(idOf(index), index + 1, index + 2);
      const growth = used() - before;
      // Used after the figure, so that the register is still alive when it is taken.
      console.log(JSON.stringify({ growth, keepsIds: register.keepsIds }));
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: new URL('../..', import.meta.url) },
    );
    const { growth, keepsIds } = JSON.parse(stdout) as { growth: number; keepsIds: boolean };
    expect(keepsIds).toBe(false);
    // 262,144 slots of 12 bytes: 31 bytes an id.
    expect(growth).toBeGreaterThan(20 * 100_000);
    expect(growth).toBeLessThan(40 * 100_000);
  });
});
