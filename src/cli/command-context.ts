import type { ResolvedStrategy } from '../engine/types.js';
import {
  createResultsWriter,
  type ResultRow,
  type ResultsLayout,
  type ResultsWriter,
} from '../io/write-results.js';
import { costUsd, loadPrices } from '../plan/price-table.js';
import { serviceTierCostUsd } from '../plan/service-tier-cost.js';
import type { OutputFormat } from '../prompt/render-batch.js';
import { openRunSession, type RunSession, type RunSessionOptions } from '../session/open-run-session.js';
import { pricedRequests, requestsSince, withBilledFailures } from '../session/paid-requests.js';
import type { PipelineOutcome } from '../session/run-pipeline.js';
import type { SelectedSource } from '../session/select-source.js';
import type { InvalidRow } from '../source/read-source.js';
import { BreakerError, StoreError } from '../spec/errors.js';
import { breakerWithRunRequests } from '../stack/request-ledger.js';
import { requestTallyLines } from '../stack/request-tally-rows.js';
import { openStore, type Store } from '../store/open-store.js';
import { toStoreError } from '../store/to-store-error.js';
import type { Task } from '../task/task-schema.js';
import type { CommandValues } from './command-options.js';
import { describeJobEvent } from './describe-job-event.js';
import { describeQueueEvent } from './describe-queue-event.js';
import { printSchedulerEvent } from './describe-scheduler-event.js';
import { describeTierEvent } from './describe-tier-event.js';
import { listenForInterrupt } from './listen-for-interrupt.js';
import { createProgressReporter, type ProgressReporter } from './progress-reporter.js';
import { resultRow } from './result-row.js';
import { batchApiFromCli, queueFromCli, schedulingFromCli } from './stack-from-cli.js';
import { exitCodeOf, type StopReason, stopMessage, stopReasonOf } from './stop-reasons.js';

/** An unsettled item as the run summary lists it for review. */
export interface ReviewEntry {
  id: string;
  answer: string | number | null;
  confidence: number | null;
  margin: number;
  votes: Record<string, number>;
}

export interface CommandContextOptions {
  values: CommandValues & { storeDir: string; reviewOut?: string };
  modelUri: string;
  task: Task;
  selected: SelectedSource;
  /** Per-item results files (`--out`, `--review-out`); none for a comparison's strategy lines. */
  results?: {
    layout: ResultsLayout;
    /** Each row carries its data file row. */
    withInput: boolean;
    /** Bad rows kept by `--skip-invalid` are written in their place. */
    invalidRows: boolean;
  };
  /** Seed of the simulated model: the strategy's. */
  seed: number;
  /** Open the store (response cache, journal, batch jobs). */
  withStore: boolean;
  journal?: RunSessionOptions['journal'];
  /**
   * What stderr says the same command does again after an interruption, given what was kept and
   * whether the replies paid for are kept for it (`repliesKept`).
   */
  resumeHint: (kept: string, repliesKept: boolean) => string;
  /** How a run that answered nothing is described. @default 'no item got an answer' */
  noAnswer?: string;
  /** Runs the items go through, for the budget's count of items so far. @default 1 */
  passes?: number;
}

/** What `run` and `eval` share while they answer: the session, the results files, the counts. */
export interface CommandContext {
  readonly session: RunSession;
  /** Streams the rows through one strategy, each result to the results files and the counts. */
  answer(strategy: ResolvedStrategy<OutputFormat | 'auto'>): Promise<PipelineOutcome>;
  /** Closes the results files (complete now) and the progress line, before the summary is printed. */
  complete(): Promise<void>;
  /** Unsettled items so far, and the first 500 of them. */
  readonly unsettled: { count: number; review: ReviewEntry[] };
  /** Items answered so far, over every strategy. */
  answered: number;
  /** A comparison's strategies whose line `--out` holds, for the messages. */
  comparedLines: number;
}

/**
 * The one shell of `run`, `eval` and `demo`: Ctrl-C, the results files (claimed before the store,
 * so a second run on one file stops before anything), the store, the run session (model stack,
 * price, spending cap, journal), the progress line; then `body`, which answers and prints and
 * says how the run ended. Whatever stopped it, one function turns the reason into the exit code
 * (`exitCodeOf`) and stderr says what was kept; everything opened is closed.
 */
export async function withCommandContext(
  options: CommandContextOptions,
  body: (context: CommandContext) => Promise<StopReason>,
): Promise<number> {
  const { values } = options;
  // Installed before the results files appear: a Ctrl-C from then on ends the run as interrupted.
  const interrupt = listenForInterrupt(values.concurrency);
  const files: ResultsFiles = {};
  let store: Store | undefined;
  let session: RunSession | undefined;
  let reporter: ProgressReporter | undefined;
  let context: CommandContext | undefined;
  const stopProgress = () => {
    reporter?.stop();
    reporter = undefined;
  };
  try {
    if (options.results !== undefined) {
      const { layout } = options.results;
      if (values.out !== undefined) files.out = createResultsWriter(values.out, layout);
      if (values.reviewOut !== undefined) files.review = createResultsWriter(values.reviewOut, layout);
    }
    store = options.withStore ? openStore(values.storeDir) : undefined;
    session = await openCommandSession(options, store, interrupt.controller.signal);
    // Progress goes to stderr, so `--json` on stdout stays clean; a script reading --json off a
    // terminal gets no progress lines either.
    reporter = createProgressReporter({
      quiet: values.quiet === true || (values.json === true && !process.stderr.isTTY),
    });
    const progress = reporter;
    context = createContext(session, files, options, progress, stopProgress);
    const reason = await body(context);
    warnOfDamagedReplies(session, store);
    return finish(reason);
  } catch (caught) {
    stopProgress();
    const error =
      store === undefined
        ? caught
        : toStoreError(caught, { file: store.file, directory: store.directory, action: 'write' });
    const reason = stopReasonOf(session?.signal ?? interrupt.controller.signal, error);
    if (reason.kind !== 'fatal') return finish(reason);
    if (StoreError.isInstance(error) && session !== undefined) throw await session.keepPaidReplies(error);
    // Requests under way when the breaker tripped were counted as they were abandoned, since.
    if (BreakerError.isInstance(error) && session !== undefined)
      throw breakerWithRunRequests(error, pricedRequests(session.stack.requests(), session.price));
    throw error;
  } finally {
    stopProgress();
    session?.close();
    interrupt.dispose();
    // A .partial stays only with rows in it: a run stopped before any answer leaves none.
    await files.out?.release();
    await files.review?.release();
    store?.close();
  }

  /** Says why the command ended and what was kept, and gives its exit code. */
  function finish(reason: StopReason): number {
    const kept = keptText(values, files, context?.comparedLines ?? 0);
    const spent = session?.spent();
    const requests =
      session === undefined ? undefined : pricedRequests(session.stack.requests(), session.price);
    // In the response cache, or a batch API's job journal (kept even with --no-cache); neither
    // without a store.
    const repliesKept = store !== undefined && (values.cache !== false || values.batchApi === true);
    process.stderr.write(
      stopMessage(reason, {
        storeDir: values.storeDir,
        answered: context?.answered ?? 0,
        items: options.selected.scan.items * (options.passes ?? 1),
        kept,
        resumeHint: options.resumeHint(kept, repliesKept),
        repliesKept,
        ...(spent === undefined ? {} : { spent }),
        noAnswer: options.noAnswer ?? 'no item got an answer',
        ...(requests === undefined || requests.sent === 0
          ? {}
          : { requests: requestTallyLines(requests).join('\n') }),
      }),
    );
    return exitCodeOf(reason);
  }
}

interface ResultsFiles {
  out?: ResultsWriter;
  review?: ResultsWriter;
}

/** What of the results an unfinished command kept: a results file's `.partial`, a comparison's lines. */
function keptText(
  values: CommandContextOptions['values'],
  files: ResultsFiles,
  comparedLines: number,
): string {
  if (comparedLines > 0) {
    return ` (the ${comparedLines} strateg${comparedLines === 1 ? 'y' : 'ies'} done are in ${values.out})`;
  }
  // A `.partial` without a row is removed as the command ends: only those with rows are named.
  const partial = [
    ...((files.out?.rowCount ?? 0) === 0 ? [] : [`${values.out}.partial`]),
    ...((files.review?.rowCount ?? 0) === 0 ? [] : [`${values.reviewOut}.partial`]),
  ];
  return partial.length > 0 ? ` (partial results in ${partial.join(' and ')})` : '';
}

/** The context a command's body answers through: every result to the files and the counts. */
function createContext(
  session: RunSession,
  files: ResultsFiles,
  options: CommandContextOptions,
  progress: ProgressReporter,
  stopProgress: () => void,
): CommandContext {
  const results = options.results;
  const context: CommandContext = {
    session,
    unsettled: { count: 0, review: [] },
    answered: 0,
    comparedLines: 0,
    answer: (strategy) => {
      const before = session.stack.requests();
      return session.run(strategy, {
        progress: (state, replayed) => {
          // Billed failures are paid calls: counted in the cost as the summary counts them.
          const requests = pricedRequests(requestsSince(session.stack.requests(), before), session.price);
          const paid = withBilledFailures(
            {
              calls: 0,
              inputTokens: state.inputTokens - replayed.inputTokens,
              outputTokens: state.outputTokens - replayed.outputTokens,
            },
            requests,
          );
          // With --service-tier, each tier's calls at that tier's rate.
          const tiers = session.stack.serviceTiers?.();
          const tierCost =
            tiers === undefined
              ? undefined
              : serviceTierCostUsd(session.price, session.base.id, tiers.byTier);
          progress.update(
            state,
            tiers === undefined
              ? costUsd(
                  session.price,
                  paid.inputTokens,
                  paid.outputTokens,
                  session.paidCachedInputTokens(),
                  session.paidCacheWriteTokens(),
                )
              : tierCost === undefined
                ? undefined
                : tierCost + (requests.failedCostUsd ?? 0),
            requests,
            { read: session.paidCachedInputTokens(), written: session.paidCacheWriteTokens() },
          );
        },
        ...(results?.invalidRows
          ? { invalid: (invalid: InvalidRow) => files.out?.write(invalidRow(invalid)) }
          : {}),
        result: async (result, row) => {
          const line = resultRow(result, results?.withInput ? row?.record : undefined);
          await files.out?.write(line);
          if (!result.settled) {
            context.unsettled.count += 1;
            if (context.unsettled.review.length < 500) {
              context.unsettled.review.push({
                id: result.id,
                answer: result.answer,
                confidence: result.confidence,
                margin: result.margin,
                votes: result.tally,
              });
            }
            await files.review?.write(line);
          }
          if (result.status === 'answered') context.answered += 1;
        },
      });
    },
    async complete() {
      await files.out?.close();
      await files.review?.close();
      stopProgress();
    },
  };
  return context;
}

/** The run session the flags describe: the model, its scheduling, batch API, prices and cap. */
function openCommandSession(
  options: CommandContextOptions,
  store: Store | undefined,
  signal: AbortSignal,
): Promise<RunSession> {
  const { values } = options;
  const batchApi = batchApiFromCli(values);
  let damaged = 0;
  let usageWarnings = 0;
  return openRunSession({
    task: options.task,
    selected: options.selected,
    model: options.modelUri,
    stack: {
      ...schedulingFromCli(values),
      ...queueFromCli(values),
      cache: values.cache !== false,
      ...(batchApi === undefined ? {} : { batchApi: { ...batchApi, detach: values.detach === true } }),
      onEvent: (event) => {
        switch (event.type) {
          case 'reply':
          case 'job-detached':
          case 'job-cancelled':
            return;
          case 'damaged-reply':
            damaged += 1;
            if (damaged <= 5) {
              process.stderr.write(
                `warning: the cached reply ${event.key.slice(0, 12)} in ${store?.file} fails its checksum (the store is damaged there); asking the model again\n`,
              );
            }
            return;
          case 'usage-replaced':
            // A proxy that blanks usage does so on every call: the summary counts them all.
            usageWarnings += 1;
            if (usageWarnings <= 3) process.stderr.write(`warning: ${event.message}\n`);
            if (usageWarnings === 3)
              process.stderr.write('warning: further usage replaced is counted in the summary only\n');
            return;
          case 'wait':
          case 'retry':
          case 'rate-limited':
            printSchedulerEvent(event);
            return;
          case 'queue-connected':
          case 'queue-lost':
          case 'queue-back':
          case 'queue-unavailable':
            if (values.quiet !== true || event.type === 'queue-unavailable') {
              process.stderr.write(`${describeQueueEvent(event)}\n`);
            }
            return;
          case 'tier-refused':
            process.stderr.write(`${describeTierEvent(event)}\n`);
            return;
          default:
            if (values.quiet !== true) process.stderr.write(`${describeJobEvent(event)}\n`);
        }
      },
    },
    ...(store === undefined ? {} : { store }),
    ...(options.journal === undefined ? {} : { journal: options.journal }),
    ...(values.maxCost === undefined ? {} : { maxCostUsd: values.maxCost }),
    prices: loadPrices(values.prices),
    seed: options.seed,
    ...(values.secretTags ? { secretTags: true } : {}),
    signal,
    onNote: (text) => process.stderr.write(`${text}\n`),
  });
}

function warnOfDamagedReplies(session: RunSession, store: Store | undefined): void {
  const damaged = session.damagedReplies();
  if (damaged === 0) return;
  process.stderr.write(
    `warning: ${damaged} cached repl${damaged === 1 ? 'y' : 'ies'} in ${store?.file} failed their checksum and were asked again (counted in calls made)\n`,
  );
}

function invalidRow(invalid: InvalidRow): ResultRow {
  const row: ResultRow = {
    id: invalid.id,
    answer: null,
    confidence: null,
    votes: {},
    status: 'invalid',
    error: invalid.error.message,
  };
  if (invalid.record !== undefined) row.input = invalid.record;
  return row;
}
