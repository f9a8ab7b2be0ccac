import { afterEach, describe, expect, it, vi } from 'vitest';
import { plainOutput, tableStyle } from './plain-output.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('plainOutput', () => {
  it('is plain for a file or pipe, and for a terminal when NO_COLOR is set', () => {
    vi.stubEnv('NO_COLOR', '');
    expect(plainOutput({ isTTY: false })).toBe(true);
    expect(plainOutput({ isTTY: true })).toBe(false);
    vi.stubEnv('NO_COLOR', '1');
    expect(plainOutput({ isTTY: true })).toBe(true);
  });

  it('gives tables no colour style when NO_COLOR is set, whatever stdout is', () => {
    vi.stubEnv('NO_COLOR', '1');
    expect(tableStyle()).toEqual({ style: { head: [], border: [] } });
  });
});
