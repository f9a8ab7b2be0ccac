import { describe, expect, it } from 'vitest';
import { calibrationSource } from './profiles.js';

describe('calibrationSource', () => {
  it('names the frontier runs for sim:frontier and the paper for the paper profiles', () => {
    expect(calibrationSource('sim:frontier')).toMatch(/frontier LLM/);
    for (const id of ['sim', 'sim:gpt-4', 'sim:gpt-3.5'])
      expect(calibrationSource(id)).toMatch(/published GPT-4/);
  });
});
