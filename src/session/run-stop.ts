import type { SpendingCapState } from '../plan/spending-cap.js';
import { AbortError } from '../spec/errors.js';

/** Why a run stopped before its end: the reason its signal was aborted with. */
export type RunStopReason =
  /** The next call could have passed `maxCostUsd`. */
  | { kind: 'budget'; state: SpendingCapState }
  /** `detach` with the batch API: the jobs were submitted, or are still running. */
  | { kind: 'detached'; jobId: string }
  /** A batch job the run was waiting on was cancelled. */
  | { kind: 'cancelled'; jobId: string }
  /** The caller aborted (Ctrl-C). */
  | { kind: 'interrupted' };

const runStopMarker = Symbol.for('batchprompt.session.run-stop');

/** The abort reason of a run that stopped early; an `AbortError`, so nothing retries it. */
export class RunStop extends AbortError {
  readonly [runStopMarker] = true;

  constructor(readonly reason: RunStopReason) {
    super(`the run stopped: ${reason.kind}`);
    this.name = 'RunStop';
  }

  static override isInstance(error: unknown): error is RunStop {
    return typeof error === 'object' && error !== null && runStopMarker in error;
  }
}

/** Why a run whose signal is aborted stopped: the reason it was aborted with, else an interruption. */
export function runStopReason(signal: AbortSignal): RunStopReason | undefined {
  if (!signal.aborted) return undefined;
  return RunStop.isInstance(signal.reason) ? signal.reason.reason : { kind: 'interrupted' };
}
