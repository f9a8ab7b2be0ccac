import { InputError, LockError } from '../spec/errors.js';
import type { Store } from '../store/open-store.js';
import { newRunId } from '../store/run-journal.js';
import type { LockFile } from '../util/acquire-lock-file.js';

/** A run of the journal this process holds: resumed, or new and not yet written. */
export interface JournalRun {
  runId: string;
  /** An unfinished run of the same command was found and is taken up. */
  resumed: boolean;
  /** Writes the run's start (or its resumption) to the journal. */
  begin(config: unknown): void;
  /** Marks the run completed, with the totals that describe it. */
  finish(totals: unknown): void;
  /** Gives up the run's lock. */
  release(): void;
}

/**
 * The journal run a command goes on with: the one `resume` names (which must have the same
 * fingerprint), else the latest unfinished run with this fingerprint that no live process holds,
 * else a new one. Its lock is taken now; nothing is written to the journal until `begin`, so a
 * command that fails before it leaves no run behind. `onNote` hears that an unfinished run is held
 * by another process, which this one then runs beside.
 */
export function claimJournalRun(
  store: Store,
  options: { fingerprint: string; resume?: string; onNote?: (text: string) => void },
): JournalRun {
  const { journal } = store;
  let runId: string | undefined;
  let lock: LockFile | undefined;
  if (options.resume !== undefined) {
    const run = journal.getRun(options.resume);
    if (run === undefined) {
      throw new InputError(`no run with id \`${options.resume}\` in ${store.directory}`, { field: 'resume' });
    }
    if (run.fingerprint !== options.fingerprint) {
      throw new InputError(
        `run \`${options.resume}\` was started with another task, data file (or a changed one), model or strategy; repeat that run's own command to resume it, or leave out --resume to start a new run`,
        { field: 'resume' },
      );
    }
    // A run resumed by id that another live process is running: exit 2, naming that process.
    lock = store.lockRun(run.runId);
    runId = run.runId;
  } else {
    const unfinished = journal.findLatestRun({ fingerprint: options.fingerprint, status: 'running' });
    if (unfinished !== undefined) {
      try {
        lock = store.lockRun(unfinished.runId);
        runId = unfinished.runId;
      } catch (error) {
        if (!LockError.isInstance(error)) throw error;
        // The same command is running in another process: this one starts a run of its own
        // beside it, and the store's in-flight claims keep the two from paying twice.
        options.onNote?.(`${error.message}; starting a new run beside it`);
      }
    }
  }
  const resumed = runId !== undefined;
  const id = runId ?? newRunId();
  lock ??= store.lockRun(id);
  return {
    runId: id,
    resumed,
    begin(config) {
      if (resumed) journal.resumeRun(id);
      else journal.startRun({ fingerprint: options.fingerprint, config, runId: id });
    },
    finish(totals) {
      journal.finishRun(id, 'completed', totals);
    },
    release() {
      lock?.release();
    },
  };
}
