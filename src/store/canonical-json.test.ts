import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: null } })).toBe('{"a":{"c":null,"d":[3,1]},"b":1}');
  });

  it('gives the same string for the same value written in another key order', () => {
    expect(canonicalJson({ x: 1, y: { p: 'q', r: 's' } })).toBe(
      canonicalJson({ y: { r: 's', p: 'q' }, x: 1 }),
    );
  });

  it('drops undefined properties as JSON.stringify does, and writes undefined array slots as null', () => {
    expect(canonicalJson({ a: undefined, b: [undefined] })).toBe('{"b":[null]}');
  });

  it('keeps a key named __proto__', () => {
    expect(canonicalJson(JSON.parse('{"__proto__":1}'))).toBe('{"__proto__":1}');
  });
});
