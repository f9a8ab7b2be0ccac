import { describe, expect, it } from 'vitest';
import type { Progress } from '../engine/types.js';
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

const progress = (calls: number, itemsSettled = 0, round = 1): Progress => ({
  itemsDone: 0,
  itemsSettled,
  itemsTotal: 100,
  round,
  maxRounds: 5,
  calls,
  inputTokens: calls * 10,
  outputTokens: calls,
  failedCalls: 0,
});

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let time = 1_000_000;
  return { now: () => time, advance: (ms) => (time += ms) };
}

describe('createProgressReporter off a terminal', () => {
  it('prints a plain line at most once per interval, and the last state when stopped', () => {
    const clock = manualClock();
    const { stream, text } = fakeStream(false);
    const reporter = createProgressReporter({ stream, intervalMs: 5000, now: clock.now });
    reporter.update(progress(10), 0.01);
    reporter.update(progress(20), 0.02);
    clock.advance(5000);
    reporter.update(progress(30), 0.03);
    reporter.update(progress(40), 0.04);
    reporter.stop();
    const lines = text().trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('final answers 0/100 | round 1/5 | calls 10 | tokens 100+10 | ~$0.0100');
    expect(lines[1]).toContain('calls 30');
    // The state at the end, which the interval had held back.
    expect(lines[2]).toContain('calls 40');
    expect(text()).not.toContain('\u001b[');
  });

  it('shows calls moving while no item has its final answer yet, then the round, rate and an eta', () => {
    const clock = manualClock();
    const { stream, text } = fakeStream(false);
    const reporter = createProgressReporter({ stream, intervalMs: 0, now: clock.now });
    clock.advance(60_000);
    reporter.update(progress(6), undefined);
    clock.advance(60_000);
    // Two minutes in, a quarter of the items have their final answer after round 2.
    reporter.update(progress(12, 25, 2), undefined);
    const lines = text().trim().split('\n');
    expect(lines[0]).toContain('final answers 0/100 | round 1/5 | calls 6 |');
    expect(lines[0]).toContain('6.0 calls/min | eta ?');
    expect(lines[1]).toContain('final answers 25/100 | round 2/5 | calls 12 |');
    // 2 minutes for 25 items: 6 more for the other 75.
    expect(lines[1]).toContain('6.0 calls/min | eta 6m00s');
  });

  // eval --compare runs its strategies one after the other under one reporter: each run's rate and
  // eta count from that run's start, not from the command's.
  it('starts the rate and eta again when a new run starts from no calls', () => {
    const clock = manualClock();
    const { stream, text } = fakeStream(false);
    const reporter = createProgressReporter({ stream, intervalMs: 0, now: clock.now });
    clock.advance(120_000);
    reporter.update(progress(100, 100, 1), undefined);
    // The next strategy's first call.
    clock.advance(1000);
    reporter.update(progress(1, 0, 1), undefined);
    clock.advance(59_000);
    reporter.update(progress(10, 50, 2), undefined);
    const last = text().trim().split('\n').at(-1);
    // 10 calls and 50 of 100 items in the minute since the second run began.
    expect(last).toContain('calls 10 |');
    expect(last).toContain('10.0 calls/min | eta 1m00s');
  });

  it('shows the requests once some failed, the billed ones among them', () => {
    const { stream, text } = fakeStream(false);
    const reporter = createProgressReporter({ stream, intervalMs: 0, now: manualClock().now });
    reporter.update(progress(10), 0.01, { sent: 10, failed: 0, billedFailed: 0 });
    reporter.update(progress(12), 0.02, { sent: 13, failed: 3, billedFailed: 2 });
    const lines = text().trim().split('\n');
    expect(lines[0]).not.toContain('requests');
    expect(lines[1]).toContain('| calls 12 | requests 13 (3 failed, 2 billed) | tokens');
  });

  it('prints nothing when quiet', () => {
    const { stream, text } = fakeStream(false);
    const reporter = createProgressReporter({ stream, quiet: true });
    reporter.update(progress(50), undefined);
    reporter.stop();
    expect(text()).toBe('');
  });
});
