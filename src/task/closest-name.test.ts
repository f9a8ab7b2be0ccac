import { describe, expect, it } from 'vitest';
import { closestName } from './closest-name.js';

describe('closestName', () => {
  const keys = ['name', 'instruction', 'fields', 'answer', 'examples', 'goldField', 'reasoning'];

  it('finds a key in another case, cut short, run on or mistyped', () => {
    expect(closestName('GoldField', keys)).toBe('goldField');
    expect(closestName('example', keys)).toBe('examples');
    expect(closestName('instructions', keys)).toBe('instruction');
    expect(closestName('feilds', keys)).toBe('fields');
  });

  it('suggests nothing for a name far from every key', () => {
    expect(closestName('temperature', keys)).toBeUndefined();
    expect(closestName('id', keys)).toBeUndefined();
  });
});
