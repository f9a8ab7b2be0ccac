import { describe, expect, it } from 'vitest';
import { exitCodes } from './exit-codes.js';
import { outcomeExitCode } from './outcome-exit-code.js';

describe('outcomeExitCode', () => {
  it('exits 0 when any item got an answer, or there was nothing to answer', () => {
    expect(outcomeExitCode({ items: 3, answered: 1, unanswered: 1, failed: 1 })).toEqual({ code: 0 });
    expect(outcomeExitCode({ items: 0, answered: 0, unanswered: 0, failed: 0 })).toEqual({ code: 0 });
  });

  it('never exits 0 when nothing was answered: 4 for failed calls, 1 otherwise', () => {
    const failed = outcomeExitCode({ items: 3, answered: 0, unanswered: 1, failed: 2 });
    expect(failed.code).toBe(exitCodes.provider);
    expect(failed.message).toMatch(/no item got an answer: 2 failed .*, 1 unanswered/);
    expect(outcomeExitCode({ items: 3, answered: 0, unanswered: 3, failed: 0 }).code).toBe(
      exitCodes.incomplete,
    );
  });
});
