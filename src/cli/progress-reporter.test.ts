import { describe, expect, it, vi } from 'vitest';
import { createProgressReporter } from './progress-reporter.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = {
    isTTY,
    write(chunk: string) {
      text += chunk;
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

const progress = (itemsDone: number) => ({
  itemsDone,
  itemsTotal: 100,
  calls: itemsDone,
  inputTokens: itemsDone * 10,
  outputTokens: itemsDone,
  failedCalls: 0,
});

describe('createProgressReporter off a terminal', () => {
  it('prints a plain line at most once per interval, and the last state when stopped', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const { stream, text } = fakeStream(false);
      const reporter = createProgressReporter({ stream, intervalMs: 5000 });
      reporter.update(progress(10), 0.01);
      reporter.update(progress(20), 0.02);
      vi.setSystemTime(Date.now() + 5000);
      reporter.update(progress(30), 0.03);
      reporter.update(progress(40), 0.04);
      reporter.stop();
      const lines = text().trim().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toContain('items 10/100 | calls 10 | tokens 100+10 | ~$0.0100');
      expect(lines[1]).toContain('items 30/100');
      // The state at the end, which the interval had held back.
      expect(lines[2]).toContain('items 40/100');
      expect(text()).not.toContain('\u001b[');
    } finally {
      vi.useRealTimers();
    }
  });

  it('prints nothing when quiet', () => {
    const { stream, text } = fakeStream(false);
    const reporter = createProgressReporter({ stream, quiet: true });
    reporter.update(progress(50), undefined);
    reporter.stop();
    expect(text()).toBe('');
  });
});
