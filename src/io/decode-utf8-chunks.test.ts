import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../spec/errors.js';
import { collect } from '../test/collect.js';
import { rejectionOf } from '../test/rejection-of.js';
import { decodeUtf8Chunks } from './decode-utf8-chunks.js';

async function* inPieces(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let start = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    yield bytes.subarray(start, cut);
    start = cut;
  }
  yield bytes.subarray(start);
}

describe('decodeUtf8Chunks', () => {
  it('decodes characters split across chunks at any byte', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.array(fc.nat()),
        async (text, rawCuts) => {
          const bytes = new TextEncoder().encode(text);
          const cuts = rawCuts.map((cut) => cut % (bytes.length + 1));
          const decoded = (await collect(decodeUtf8Chunks(inPieces(bytes, cuts), 'x.txt'))).join('');
          expect(decoded).toBe(text);
        },
      ),
    );
  });

  it('drops a leading byte order mark once, and keeps U+FEFF inside the text', async () => {
    const bytes = new TextEncoder().encode('\uFEFFa\uFEFFb');
    // Cut right after the first BOM+a so that the second U+FEFF starts a chunk.
    expect((await collect(decodeUtf8Chunks(inPieces(bytes, [4]), 'x.txt'))).join('')).toBe('a\uFEFFb');
  });

  it('names the line of an invalid byte in a later chunk', async () => {
    const bytes = Buffer.concat([
      Buffer.from('one\ntwo\nthr'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('ee\n'),
    ]);
    const error = await rejectionOf(collect(decodeUtf8Chunks(inPieces(bytes, [5]), 'data.csv')));
    expect(InputError.isInstance(error)).toBe(true);
    expect(error.message).toBe(
      'data.csv, line 3: bytes are not valid UTF-8 (byte 0xc3); save the file as UTF-8',
    );
  });

  it('rejects overlong forms and encoded surrogates, which a lenient decoder would let through', async () => {
    for (const bad of [
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
    ]) {
      const error = await rejectionOf(collect(decodeUtf8Chunks(inPieces(Uint8Array.from(bad), []), 'x.txt')));
      expect(error.message).toMatch(/line 1: bytes are not valid UTF-8/);
    }
  });

  it('rejects a file that ends inside a multi-byte character', async () => {
    const bytes = Buffer.concat([Buffer.from('ok\n'), Buffer.from([0xe2, 0x82])]);
    const error = await rejectionOf(collect(decodeUtf8Chunks(inPieces(bytes, []), 'x.txt')));
    expect(error.message).toMatch(/line 2: .*ends inside a multi-byte character \(0xe282\)/);
  });
});
