import { exitCodes } from './exit-codes.js';

export interface RunOutcomeCounts {
  items: number;
  answered: number;
  unanswered: number;
  failed: number;
}

/**
 * The exit code of a finished run or eval, with the line to print when it is not 0. A run that
 * answered nothing never exits 0: with failed calls it is the endpoint's fault (4), otherwise no
 * reply could be attributed (1).
 */
export function outcomeExitCode(counts: RunOutcomeCounts): { code: number; message?: string } {
  if (counts.items === 0 || counts.answered > 0) return { code: exitCodes.ok };
  if (counts.failed > 0) {
    return {
      code: exitCodes.provider,
      message: `error: no item got an answer: ${counts.failed} failed because their calls to the model endpoint failed (the reason is in each result's error)${counts.unanswered > 0 ? `, ${counts.unanswered} unanswered` : ''}`,
    };
  }
  return {
    code: exitCodes.incomplete,
    message: `error: no item got an answer: all ${counts.unanswered} unanswered, no reply could be attributed to them (the reason is in each result's error)`,
  };
}
