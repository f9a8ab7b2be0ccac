import { describe, expect, it } from 'vitest';
import { readNumber } from './read-number.js';

describe('readNumber', () => {
  it.each([
    ['18', 18],
    ['18.0', 18],
    ['$18', 18],
    ['1,800', 1800],
    ['18 dollars', 18],
    ['$1,234.50', 1234.5],
    ['1,800,000 people', 1_800_000],
    ['-4.5', -4.5],
    ['−4.5 degrees', -4.5],
    ['-$5', -5],
    ['$-5', -5],
    ['- 7', -7],
    ['.5', 0.5],
    ['0.25', 0.25],
    ['50%', 50],
    ['3/4', 0.75],
    ['-0', 0],
    ['18.', 18],
    ['The answer is 18.', 18],
    ['16 - 3 - 4 = 9, so 9 * 2 = 18', 18],
    ['It costs 5 + 7 = $12 in total', 12],
    ['answer: -3', -3],
    // Separators are read in groups of three only: `1,2` is one and then two, never twelve.
    ['1,2', 1],
  ])('reads %j as %d', (text, expected) => {
    expect(readNumber(text)).toBe(expected);
  });

  it.each(['', 'eighteen', 'not sure', '$', '10/0'])('reads no number from %j', (text) => {
    expect(readNumber(text)).toBeUndefined();
  });

  it('never gives -0', () => {
    expect(Object.is(readNumber('-0.0'), 0)).toBe(true);
  });
});
