import type { SpendingCapState } from '../plan/spending-cap.js';
import { type RunStopReason, runStopReason } from '../session/run-stop.js';
import { StoreError } from '../spec/errors.js';
import { describeError } from './describe-error.js';
import { exitCodes } from './exit-codes.js';

/** What a command's items came to when it ran to its end. */
export interface OutcomeCounts {
  items: number;
  answered: number;
  unanswered: number;
  failed: number;
}

/**
 * Why a command ended: a run's early stop, carried as its signal's abort reason (`RunStop`), or
 * what the finished run's counts say (`outcomeReason`), or the error it threw.
 */
export type StopReason =
  | RunStopReason
  | { kind: 'completed' }
  /**
   * Some items ended without an answer (unanswered or failed) and others got one; `accepted` when
   * `--allow-failed` allows that many.
   */
  | { kind: 'incomplete'; counts: OutcomeCounts; accepted: boolean; allowFailed?: string }
  /** Nothing answered and no call failed: no reply could be attributed to any item. */
  | { kind: 'unattributed'; counts: OutcomeCounts }
  /** Nothing answered: every item's calls failed. */
  | { kind: 'endpoint-failed'; counts: OutcomeCounts }
  /** A paid run the user did not confirm: nothing was sent. */
  | { kind: 'declined' }
  | { kind: 'fatal'; error: unknown };

export type StopKind = StopReason['kind'];

/** What the messages say about the command that stopped. */
export interface StopContext {
  /** The store folder, for the commands that list its batch jobs. */
  storeDir: string;
  /** Items with a final answer so far, of how many. */
  answered: number;
  items: number;
  /** Where the results so far are, as ` (partial results in out.jsonl.partial)`, or ''. */
  kept: string;
  /** What the same command does when run again, after an interruption. */
  resumeHint: string;
  /** The replies paid for are kept (cache, batch jobs), so the same command does not pay for them again. */
  repliesKept: boolean;
  /** The budget's state now: calls in flight when it stopped the run have settled since. */
  spent?: SpendingCapState;
  /** How a run that answered nothing is described: `no item got an answer`. */
  noAnswer: string;
  /**
   * The requests the run sent, as its summary's row says them (`requestTallyRows`): an interrupted
   * run prints no summary, and its requests abandoned under way were billed all the same.
   */
  requests?: string;
}

type Entry<K extends StopKind> = {
  exitCode: number | ((reason: Extract<StopReason, { kind: K }>) => number);
  /** What stderr says, '' for nothing. */
  message: (reason: Extract<StopReason, { kind: K }>, context: StopContext) => string;
};

/**
 * Every reason a command ends, with its exit code and its message: a new reason is one entry. The
 * README's exit-code table lists the codes.
 */
export const stopReasons: { [K in StopKind]: Entry<K> } = {
  completed: { exitCode: exitCodes.ok, message: () => '' },
  incomplete: {
    exitCode: ({ accepted }) => (accepted ? exitCodes.ok : exitCodes.incomplete),
    message: ({ counts, accepted, allowFailed }) => {
      const missing = counts.unanswered + counts.failed;
      const which = `${counts.unanswered} unanswered, ${counts.failed} failed; the reason is in each result's error`;
      return accepted
        ? `note: ${missing} of ${counts.items} items have no answer (${which}), within --allow-failed ${allowFailed}\n`
        : `incomplete: ${missing} of ${counts.items} items have no answer (${which}); the same command again asks only them, and --allow-failed ${missing} accepts them\n`;
    },
  },
  unattributed: {
    exitCode: exitCodes.incomplete,
    message: ({ counts }, { noAnswer }) =>
      `error: ${noAnswer}: all ${counts.unanswered} unanswered, no reply could be attributed to them (the reason is in each result's error)\n`,
  },
  'endpoint-failed': {
    exitCode: exitCodes.provider,
    message: ({ counts }, { noAnswer }) =>
      `error: ${noAnswer}: ${counts.failed} failed because their calls to the model endpoint failed (the reason is in each result's error)${counts.unanswered > 0 ? `, ${counts.unanswered} unanswered` : ''}\n`,
  },
  budget: {
    exitCode: exitCodes.budget,
    message: ({ state }, context) => {
      const spent = context.spent ?? state;
      // Read at the end: whether the calls in flight at the refusal left for the provider since.
      const unsubmitted = spent.refused?.unsubmitted ?? state.refused?.unsubmitted;
      const inFlight = (state.refused?.inFlight ?? 0) - (unsubmitted ?? 0);
      // Those calls were sent before the budget was reached: paid for either way, so let finish (a
      // batch job at the provider, which the same command collects).
      const settled =
        inFlight === 0
          ? ''
          : unsubmitted === undefined
            ? ` (${inFlight} of them in flight when the budget was reached, let finish)`
            : ` (${inFlight} of them in a batch job submitted before the budget was reached: the same command collects it)`;
      const head = `\nstopped at the budget: the next call could have taken the cost to $${state.refused?.wouldReachUsd.toFixed(4)}, over --max-cost $${state.budgetUsd}; ${spent.calls} call(s) made for $${spent.spentUsd.toFixed(4)}${settled}, ${context.answered} of ${context.items} items with a final answer so far.`;
      if (unsubmitted !== undefined && unsubmitted > 0) {
        return `${head} The ${unsubmitted} call(s) gathered with it for a batch job were not submitted: nothing of them was sent or paid. A batch job asks a round's calls together and this one would pass the budget, so the same command with the same --max-cost cannot get past it (completed calls are cached): raise --max-cost, or drop --batch-api to ask call by call within the budget${context.kept}\n`;
      }
      return `${head} ${context.repliesKept ? 'Completed calls are cached: the same command with a higher --max-cost continues from here' : 'No reply was kept (--no-cache, or no store): the same command with a higher --max-cost starts over and pays again'}${context.kept}\n`;
    },
  },
  detached: {
    exitCode: exitCodes.detached,
    message: ({ jobId }, { storeDir }) =>
      `\ndetached: batch job(s) submitted or still running (${jobId}); run the same command again to wait for them and collect the results; \`batchprompt jobs --store-dir ${storeDir}\` shows their status\n`,
  },
  cancelled: {
    exitCode: exitCodes.interrupted,
    message: ({ jobId }) =>
      `\nbatch job ${jobId} was cancelled: its finished requests are kept; run the same command again to submit only the rest\n`,
  },
  interrupted: {
    exitCode: exitCodes.interrupted,
    message: (_, { resumeHint, requests }) =>
      `\ninterrupted: ${resumeHint}\n${requests === undefined ? '' : `${requests}\n`}`,
  },
  declined: { exitCode: exitCodes.interrupted, message: () => 'not started: nothing was sent\n' },
  fatal: { exitCode: ({ error }) => describeError(error).code, message: () => '' },
};

/** The exit code of a command that ended for this reason. */
export function exitCodeOf(reason: StopReason): number {
  const entry = stopReasons[reason.kind] as Entry<StopKind>;
  return typeof entry.exitCode === 'number' ? entry.exitCode : entry.exitCode(reason);
}

/** What stderr says when a command ended for this reason, '' for nothing. */
export function stopMessage(reason: StopReason, context: StopContext): string {
  return (stopReasons[reason.kind] as Entry<StopKind>).message(reason, context);
}

/**
 * How many items may end without an answer in a run that still succeeds (`--allow-failed`): a
 * count (`5`) or a share of the items (`2.5%`).
 */
export function parseAllowFailed(text: string): { count: number } | { share: number } {
  const match = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  if (match === null || (match[2] === '' && !Number.isInteger(Number(match[1])))) {
    throw new Error(`expected a count of items (5) or a share of them (2.5%), got \`${text}\``);
  }
  return match[2] === '%' ? { share: Number(match[1]) / 100 } : { count: Number(match[1]) };
}

/**
 * The reason of a run that went to its end: every item answered, or some without an answer (exit
 * 1 unless `allowFailed` accepts that many), or none answered (never a success: the endpoint
 * failed every call, or no reply could be attributed).
 */
export function outcomeReason(counts: OutcomeCounts, allowFailed?: string): StopReason {
  const missing = counts.unanswered + counts.failed;
  if (counts.items === 0 || missing === 0) return { kind: 'completed' };
  if (counts.answered === 0) {
    return counts.failed > 0 ? { kind: 'endpoint-failed', counts } : { kind: 'unattributed', counts };
  }
  const allowance = allowFailed === undefined ? { count: 0 } : parseAllowFailed(allowFailed);
  const accepted =
    'count' in allowance ? missing <= allowance.count : missing <= allowance.share * counts.items;
  return { kind: 'incomplete', counts, accepted, ...(allowFailed === undefined ? {} : { allowFailed }) };
}

/**
 * Why a command that threw `error` stopped: the reason its run's signal was aborted with, unless
 * the store failed, which counts more than anything but the budget; else the error itself.
 */
export function stopReasonOf(signal: AbortSignal, error: unknown): StopReason {
  const stopped = runStopReason(signal);
  if (stopped !== undefined && (stopped.kind === 'budget' || !StoreError.isInstance(error))) return stopped;
  return { kind: 'fatal', error };
}
