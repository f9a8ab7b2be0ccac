import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFingerprint } from './run-fingerprint.js';

const input = {
  task: { name: 'boolq' },
  dataFile: { path: 'data/boolq.jsonl', size: 1000, modifiedMs: 1_700_000_000_000 },
  modelId: 'sim:gpt-4',
  strategy: { batchSize: 16, rounds: 3, seed: 1 },
};

describe('runFingerprint', () => {
  it('is the same for a relative and an absolute path to the same file, and any key order', () => {
    const absolute = runFingerprint({
      ...input,
      dataFile: { ...input.dataFile, path: path.resolve('data/boolq.jsonl') },
      strategy: { seed: 1, rounds: 3, batchSize: 16 },
    });
    expect(absolute).toBe(runFingerprint(input));
  });

  it('changes when the data file is modified or a strategy option changes', () => {
    const base = runFingerprint(input);
    expect(
      runFingerprint({ ...input, dataFile: { ...input.dataFile, modifiedMs: 1_700_000_000_001 } }),
    ).not.toBe(base);
    expect(runFingerprint({ ...input, strategy: { ...input.strategy, batchSize: 8 } })).not.toBe(base);
  });

  it('changes with the model, and with the size of a file rewritten within the same millisecond', () => {
    const base = runFingerprint(input);
    expect(runFingerprint({ ...input, modelId: 'sim:gpt-3.5' })).not.toBe(base);
    expect(runFingerprint({ ...input, dataFile: { ...input.dataFile, size: 1001 } })).not.toBe(base);
  });
});
