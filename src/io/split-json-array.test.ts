import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collect } from '../test/collect.js';
import { splitJsonArray } from './split-json-array.js';

async function* inPieces(text: string, cuts: number[]): AsyncGenerator<string> {
  let start = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    yield text.slice(start, cut);
    start = cut;
  }
  yield text.slice(start);
}

describe('splitJsonArray', () => {
  it('finds the same elements as JSON.parse however the text is cut into chunks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.jsonValue(), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat()),
        fc.boolean(),
        async (values, rawCuts, pretty) => {
          const text = pretty ? JSON.stringify(values, null, 2) : JSON.stringify(values);
          const cuts = rawCuts.map((cut) => cut % (text.length + 1));
          const elements = await collect(splitJsonArray(inPieces(text, cuts), 'x.json'));
          expect(elements.map((element) => JSON.parse(element.text))).toEqual(JSON.parse(text));
          expect(elements.map((element) => element.index)).toEqual(values.map((_, index) => index + 1));
        },
      ),
    );
  });

  it('reports the file line where each element starts', async () => {
    const text = '[\n  {"a": 1},\n\n  {"a": "x\\ny"},\n  3\n]';
    const elements = await collect(splitJsonArray(inPieces(text, []), 'x.json'));
    expect(elements.map((element) => element.fileLine)).toEqual([2, 4, 5]);
  });
});
