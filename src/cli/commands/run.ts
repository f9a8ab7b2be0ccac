import Table from 'cli-table3';
import { Command } from 'commander';
import { resolveStrategy, settleFormat } from '../../engine/resolve-strategy.js';
import type { AdaptiveSummary } from '../../engine/types.js';
import type { RunDetails } from '../../eval/analyze-results.js';
import { createResultsWriter, type ResultRow, type ResultsWriter } from '../../io/write-results.js';
import { defaultLocalModelUri } from '../../models/default-local-model.js';
import { describeReplyFormat, type ReplyFormatSummary } from '../../parse/reply-format-rule.js';
import { costUsd } from '../../plan/price-table.js';
import { serviceTierCostUsd } from '../../plan/service-tier-cost.js';
import type { SpendingCap, SpendingCapState } from '../../plan/spending-cap.js';
import { type InvalidRow, simulatorSource } from '../../source/read-source.js';
import { AbortError, InputError, isAbortError, LockError, StoreError } from '../../spec/errors.js';
import { createModelStack, type ModelStack } from '../../stack/create-model-stack.js';
import type { ServiceTierStats } from '../../stack/create-service-tier-layer.js';
import type { RequestTally } from '../../stack/request-ledger.js';
import { requestTallyRows } from '../../stack/request-tally-rows.js';
import type { CachedChatModel } from '../../store/cached-model.js';
import { openStore, type Store } from '../../store/open-store.js';
import { runFingerprint } from '../../store/run-fingerprint.js';
import type { RunRecord } from '../../store/run-journal.js';
import { toStoreError } from '../../store/to-store-error.js';
import { loadTask } from '../../task/load-task.js';
import type { LockFile } from '../../util/acquire-lock-file.js';
import { adaptiveSummaryRows } from '../adaptive-summary-rows.js';
import { addCommandOptions, strategyFromCli } from '../command-flags.js';
import { confirmPaidRun } from '../confirm-paid-run.js';
import { prepareLocalModel } from '../default-model.js';
import { exitCodes } from '../exit-codes.js';
import { listenForInterrupt } from '../listen-for-interrupt.js';
import type { CommandRegistrar } from '../main.js';
import { outcomeExitCode } from '../outcome-exit-code.js';
import { tableStyle } from '../plain-output.js';
import { createProgressReporter } from '../progress-reporter.js';
import { resultRow } from '../result-row.js';
import {
  type BatchStop,
  budgetStopMessage,
  createPipelineStack,
  isSimulatedUri,
  type PipelineCliValues,
  paidPriceFromCli,
  progressSink,
  runPipeline,
  selectSource,
  spendingCapFromCli,
} from '../run-pipeline.js';
import { serviceTierRow } from '../service-tier-row.js';
import { queueFromCli } from '../stack-from-cli.js';
import { storeTagSecret } from '../store-tag-secret.js';

interface RunCliValues extends PipelineCliValues {
  resume?: string;
  reviewOut?: string;
  columns: 'with-input' | 'answers-only';
  yes?: boolean;
}

export interface RunSummaryJson {
  runId: string;
  model: string;
  simulated: boolean;
  items: number;
  answered: number;
  unanswered: number;
  failed: number;
  invalid: number;
  /** Model calls made by this invocation (cache hits are not calls). */
  calls: number;
  cacheHits: number;
  /** Tokens of the calls made by this invocation. */
  inputTokens: number;
  outputTokens: number;
  /** Of `inputTokens`, those the provider read from its prompt cache (priced at the cached rate). */
  cachedInputTokens: number;
  estimatedCostUsd: number | null;
  /** Every request sent by this invocation, answered or failed; `failedCostUsd` prices the billed failures. */
  requests: RequestTally & { failedCostUsd: number | null };
  wallMs: number;
  /** Calls and tokens of the whole run, cache hits included: what the job costs from scratch. */
  totalCalls: number;
  totalInputTokens: number;
  totalOutputTokens: number;
  accuracy?: number;
  out?: string;
  /** Items whose votes never settled; they are the rows of `reviewOut`. */
  unsettled: number;
  /** The first 500 of them, for the report. */
  review: {
    id: string;
    answer: string | number | null;
    confidence: number | null;
    margin: number;
    votes: Record<string, number>;
  }[];
  reviewOut?: string;
  /** Mean rounds an item took part in. */
  roundsPerItem: number;
  /** What the adaptive rule measured in its pilot and decided (strategy `adaptive` only). */
  adaptive?: AdaptiveSummary;
  resumed: boolean;
  task: string;
  strategy: { strategy: string; batchSize: number; rounds: number; voting: string };
  /** How the reply format was chosen, and whether the run switched to JSON (and after what). */
  replyFormat: ReplyFormatSummary;
  /** Accuracy by round, by position and by confidence (where gold labels were given), one batch as sent. */
  details: RunDetails;
  /** The calls went through the provider's batch API (`--batch-api`), priced at its batch rate. */
  batchApi?: boolean;
  /** With `--service-tier`: the calls of each tier they ran in (each priced at its rate), and flex's refusals. */
  serviceTiers?: ServiceTierStats;
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

export async function runCommand(values: RunCliValues, print: (text: string) => void): Promise<number> {
  // Without --model: the default local GGUF model, downloaded on first use.
  const modelUri = values.model ?? defaultLocalModelUri;
  await prepareLocalModel(modelUri, {
    quiet: values.quiet === true || values.json === true,
    isDefault: values.model === undefined,
  });
  const task = loadTask(values.task, { reasoning: values.reasoning === true });
  if (values.detach && !values.batchApi) {
    throw new InputError('--detach works with --batch-api only', { field: 'detach' });
  }
  // Resolved once, before the file is read; an `auto` format is settled once the model is known.
  const resolved = resolveStrategy(strategyFromCli(values));
  const selected = await selectSource(values, task, {
    maxItemTokens: resolved.maxBatchTokens,
    seed: resolved.seed,
    skipInvalidDoes: 'records it and goes on',
  });
  const { source, scan, identity } = selected;

  // The simulator answers from gold labels, so every row must have one (exit 3 otherwise).
  const knownSource = isSimulatedUri(modelUri) ? await simulatorSource(source) : source;

  // Installed before the results file appears: a Ctrl-C from then on ends the run as interrupted.
  const interrupt = listenForInterrupt(values.concurrency);
  const { controller } = interrupt;
  // Taken before the store and before any call: a missing directory, or another run writing the
  // same file, is found now rather than after every call was paid for.
  let writer: ResultsWriter | undefined;
  let reviewWriter: ResultsWriter | undefined;
  const resultsLayout =
    values.columns === 'answers-only'
      ? { labelled: values.labelField !== undefined }
      : {
          inputColumns: scan.columns,
          ...(scan.idColumn === undefined ? {} : { idColumn: scan.idColumn }),
          labelled: values.labelField !== undefined,
        };
  let store: Store;
  try {
    writer = values.out === undefined ? undefined : createResultsWriter(values.out, resultsLayout);
    reviewWriter =
      values.reviewOut === undefined ? undefined : createResultsWriter(values.reviewOut, resultsLayout);
    store = openStore(values.storeDir);
  } catch (error) {
    writer?.release();
    reviewWriter?.release();
    interrupt.dispose();
    throw error;
  }
  let runLock: LockFile | undefined;
  let stack: ModelStack | undefined;
  let batchStop: BatchStop | undefined;
  let closeStack = () => {};
  let progress: ReturnType<typeof createProgressReporter> | undefined;
  let budgetStop: SpendingCapState | undefined;
  let cap: SpendingCap | undefined;
  let answeredSoFar = 0;
  const itemsSoFar = scan.items;
  try {
    const probe = await createModelStack({
      uri: modelUri,
      task,
      ...(values.baseUrl ? { baseUrl: values.baseUrl } : {}),
      // With --queue the probe asks Redis which workers listen (the simulated label), then lets go.
      ...queueFromCli(values),
    });
    probe.close();
    const strategy = settleFormat(resolved, probe.base);
    const fingerprint = runFingerprint({
      task,
      dataFile: identity,
      modelId: probe.base.id,
      strategy: {
        ...strategy,
        idField: values.idField,
        labelField: values.labelField,
        map: values.map,
        // A trial run on some rows is a run of its own, resumed only by the same trial.
        ...(values.limit === undefined ? {} : { limit: values.limit }),
        ...(values.sample === undefined ? {} : { sample: values.sample }),
        // Secret codes change every prompt, so such a run never resumes a run without them.
        ...(values.secretTags ? { secretTags: true } : {}),
      },
    });
    let run: RunRecord | undefined;
    if (values.resume !== undefined) {
      run = store.journal.getRun(values.resume);
      if (run === undefined) {
        throw new InputError(`no run with id \`${values.resume}\` in ${store.directory}`, {
          field: 'resume',
        });
      }
      if (run.fingerprint !== fingerprint) {
        throw new InputError(
          `run \`${values.resume}\` was started with another task, data file (or a changed one), model or strategy; repeat that run's own command to resume it, or leave out --resume to start a new run`,
          { field: 'resume' },
        );
      }
      // A run resumed by id that another live process is running: exit 2, naming that process.
      runLock = store.lockRun(run.runId);
    } else {
      const unfinished = store.journal.findLatestRun({ fingerprint, status: 'running' });
      if (unfinished !== undefined) {
        try {
          runLock = store.lockRun(unfinished.runId);
          run = unfinished;
        } catch (error) {
          if (!LockError.isInstance(error)) throw error;
          // The same command is running in another process: this one starts a run of its own
          // beside it, and the store's in-flight claims keep the two from paying twice.
          process.stderr.write(`${error.message}; starting a new run beside it\n`);
        }
      }
    }
    const resumed = run !== undefined;
    if (run) store.journal.resumeRun(run.runId);
    else {
      run = store.journal.startRun({
        fingerprint,
        config: { task: task.name, data: values.data, model: probe.base.id, strategy },
      });
      runLock = store.lockRun(run.runId);
    }
    const runId = run.runId;
    if (resumed && !values.json) process.stderr.write(`resuming run ${runId}\n`);

    // The batch API bills its own rate, so a budget and the question are priced at it.
    const paidPrice = paidPriceFromCli(values, probe.base.id);
    cap = spendingCapFromCli(values, probe.base.id, paidPrice, (state) => {
      budgetStop = state;
      controller.abort(new AbortError('the budget is spent'));
    });
    if (!(await confirmPaidRun(values, probe.base, task, source, strategy, paidPrice))) {
      process.stderr.write('not started: nothing was sent\n');
      return exitCodes.interrupted;
    }

    const built = await createPipelineStack({
      values,
      modelUri,
      task,
      knownSource,
      seed: strategy.seed,
      controller,
      store,
      runId,
      ...(cap === undefined ? {} : { cap }),
      detach: values.detach === true,
      onBatchStop: (stop) => {
        batchStop ??= stop;
      },
    });
    const { model, base } = built.stack;
    stack = built.stack;
    closeStack = built.stack.close;
    const price = paidPriceFromCli(values, base.id);
    // Progress goes to stderr, so `--json` on stdout stays clean; a script reading --json off a
    // terminal gets no progress lines either.
    const reporter = createProgressReporter({
      quiet: values.quiet === true || (values.json === true && !process.stderr.isTTY),
    });
    progress = reporter;
    let unsettled = 0;
    const review: RunSummaryJson['review'] = [];
    const outcome = await runPipeline({
      task,
      selected,
      strategy: resolved,
      model,
      signal: controller.signal,
      ...(values.secretTags ? { tagSecret: storeTagSecret(store.directory) } : {}),
      sinks: {
        progress: progressSink(reporter, price, built),
        invalid: async (invalid) => {
          await writer?.write(invalidRow(invalid));
        },
        result: async (result, source) => {
          const row = resultRow(result, values.columns === 'answers-only' ? undefined : source?.record);
          await writer?.write(row);
          if (!result.settled) {
            unsettled += 1;
            if (review.length < 500) {
              review.push({
                id: result.id,
                answer: result.answer,
                confidence: result.confidence,
                margin: result.margin,
                votes: result.tally,
              });
            }
            await reviewWriter?.write(row);
          }
          if (result.status === 'answered') answeredSoFar += 1;
        },
      },
    });
    await writer?.close();
    await reviewWriter?.close();
    reporter.stop();

    const { summary } = outcome;
    const paidCachedInputTokens = built.paidCachedInputTokens();
    const serviceTiers = built.stack.serviceTiers?.();
    // Failed requests whose bodies were billed count as calls with their tokens, and cost alike.
    const requests = built.stack.requests();
    const failedCostUsd = costUsd(price, requests.failedInputTokens, requests.failedOutputTokens);
    const calls = summary.calls - summary.replayedCalls + requests.billedFailed;
    const inputTokens = summary.inputTokens - summary.replayedInputTokens + requests.failedInputTokens;
    const outputTokens = summary.outputTokens - summary.replayedOutputTokens + requests.failedOutputTokens;
    const tierCostUsd =
      serviceTiers === undefined ? undefined : serviceTierCostUsd(price, base.id, serviceTiers.byTier);
    const json: RunSummaryJson = {
      runId,
      model: summary.model,
      simulated: summary.simulated,
      items: scan.rows,
      answered: summary.answered,
      unanswered: summary.unanswered,
      failed: summary.failed,
      invalid: scan.invalidCount,
      calls,
      cacheHits: summary.replayedCalls,
      inputTokens,
      outputTokens,
      cachedInputTokens: paidCachedInputTokens,
      estimatedCostUsd:
        (serviceTiers === undefined
          ? costUsd(price, inputTokens, outputTokens, paidCachedInputTokens)
          : tierCostUsd === undefined
            ? undefined
            : tierCostUsd + (failedCostUsd ?? 0)) ?? null,
      ...(serviceTiers === undefined ? {} : { serviceTiers }),
      requests: { ...requests, failedCostUsd: failedCostUsd ?? null },
      wallMs: summary.wallMs,
      totalCalls: summary.calls,
      totalInputTokens: summary.inputTokens,
      totalOutputTokens: summary.outputTokens,
      ...(summary.accuracy === undefined ? {} : { accuracy: summary.accuracy }),
      ...(values.out === undefined ? {} : { out: values.out }),
      unsettled,
      review,
      ...(values.reviewOut === undefined ? {} : { reviewOut: values.reviewOut }),
      roundsPerItem: Math.round(summary.roundsPerItem * 1000) / 1000,
      ...(summary.adaptive === undefined ? {} : { adaptive: summary.adaptive }),
      resumed,
      task: task.name,
      strategy: {
        strategy: strategy.strategy,
        batchSize: strategy.batchSize,
        rounds: strategy.rounds,
        voting: strategy.voting,
      },
      replyFormat: summary.replyFormat,
      details: outcome.details,
      ...(values.batchApi ? { batchApi: true } : {}),
    };
    // The journal keeps the totals; the details hold item text (the sample batch), which stays out.
    const { details: _details, ...totals } = json;
    store.journal.finishRun(runId, 'completed', totals);
    const damagedReplies = built.damagedReplies();
    if (damagedReplies > 0) {
      process.stderr.write(
        `warning: ${damagedReplies} cached repl${damagedReplies === 1 ? 'y' : 'ies'} in ${store.file} failed their checksum and were asked again (counted in calls made)\n`,
      );
    }
    if (values.json) print(JSON.stringify(json, null, 2));
    else print(renderRunSummary(json));
    const exit = outcomeExitCode(summary);
    if (exit.message) process.stderr.write(`${exit.message}\n`);
    return exit.code;
  } catch (caught) {
    if (budgetStop !== undefined) {
      progress?.stop();
      // Calls that were in flight when the budget stopped the run have settled by now.
      process.stderr.write(
        budgetStopMessage(
          budgetStop,
          cap?.state() ?? budgetStop,
          answeredSoFar,
          itemsSoFar,
          values.out === undefined ? '' : ` (partial results in ${values.out}.partial)`,
        ),
      );
      return exitCodes.budget;
    }
    const error = toStoreError(caught, { file: store.file, directory: store.directory, action: 'write' });
    if (StoreError.isInstance(error)) throw await keepPaidReplies(error, stack?.cache, controller.signal);
    if (batchStop !== undefined && (isAbortError(error) || controller.signal.aborted)) {
      const store = ` --store-dir ${values.storeDir}`;
      process.stderr.write(
        batchStop.reason === 'detached'
          ? `\ndetached: batch job(s) submitted or still running (${batchStop.jobId}); run the same command again to wait for them and collect the results; \`batchprompt jobs${store}\` shows their status\n`
          : `\nbatch job ${batchStop.jobId} was cancelled: its finished requests are kept; run the same command again to submit only the rest\n`,
      );
      return batchStop.reason === 'detached' ? exitCodes.detached : exitCodes.interrupted;
    }
    if (isAbortError(error) || controller.signal.aborted) {
      process.stderr.write(
        `\ninterrupted: completed calls are cached; run the same command again to resume${values.out ? ` (partial results in ${values.out}.partial)` : ''}\n`,
      );
      return exitCodes.interrupted;
    }
    throw error;
  } finally {
    closeStack();
    interrupt.dispose();
    writer?.release();
    reviewWriter?.release();
    runLock?.release();
    store.close();
  }
}

/** How long a run whose store failed waits for it to take the replies already paid for. */
const heldReplyPatienceMs = 5 * 60_000;
const heldReplyRetryMs = 2000;

/**
 * The store failed: no further call is made (the cache refuses them). The calls still in flight
 * are let finish, since they are paid for either way, and every reply that could not be stored
 * is written as soon as the store takes it again (space freed, lock released), retrying for a
 * few minutes; Ctrl-C gives up. Returns the error to exit with, saying what was kept and lost.
 */
async function keepPaidReplies(
  error: StoreError,
  cache: CachedChatModel | undefined,
  signal: AbortSignal,
): Promise<StoreError> {
  if (cache === undefined) return error;
  const deadline = Date.now() + heldReplyPatienceMs;
  let announced = false;
  while (cache.callsInFlight() > 0 || !cache.writeHeldReplies()) {
    if (signal.aborted || Date.now() > deadline) break;
    if (!announced && cache.heldReplies() > 0) {
      announced = true;
      process.stderr.write(
        `${error.message}\nholding ${cache.heldReplies()} paid repl(ies) in memory and trying the store again every ${heldReplyRetryMs / 1000} s for up to ${heldReplyPatienceMs / 60_000} min (Ctrl-C gives them up)\n`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, cache.callsInFlight() > 0 ? 50 : heldReplyRetryMs));
  }
  const { misses } = cache.stats();
  const lost = cache.heldReplies();
  const kept =
    lost === 0
      ? 'every reply paid for is in the store; the same command resumes the run'
      : `${lost} paid repl${lost === 1 ? 'y' : 'ies'} could not be stored and will be paid again`;
  return new StoreError(`${error.message}; the run stopped: ${misses} model call(s) were made, ${kept}`, {
    path: error.path,
    cause: error,
  });
}

export function renderRunSummary(summary: RunSummaryJson): string {
  const table = new Table({
    ...tableStyle(),
    head: ['', 'value'],
  });
  table.push(
    [
      'model',
      `${summary.model}${summary.simulated ? ' (SIMULATED: not a real LLM)' : ''}${summary.batchApi ? ' via batch API' : ''}`,
    ],
    ['run id', summary.runId],
    ['items', String(summary.items)],
    [
      'answered / unanswered / failed / invalid',
      `${summary.answered} / ${summary.unanswered} / ${summary.failed} / ${summary.invalid}`,
    ],
    ['calls made (cache hits)', `${summary.calls} (${summary.cacheHits})`],
    ...requestTallyRows(summary.requests),
    ['tokens in / out (this invocation)', `${summary.inputTokens} / ${summary.outputTokens}`],
    [
      'estimated cost',
      summary.estimatedCostUsd === null
        ? 'no price for this model'
        : `$${summary.estimatedCostUsd.toFixed(4)}`,
    ],
    ['wall time', `${(summary.wallMs / 1000).toFixed(1)} s`],
    ['format', describeReplyFormat(summary.replyFormat)],
  );
  if (summary.serviceTiers !== undefined) table.push(serviceTierRow(summary.serviceTiers));
  if (summary.accuracy !== undefined)
    table.push(['accuracy vs gold', `${(summary.accuracy * 100).toFixed(1)}%`]);
  if (summary.out !== undefined) table.push(['results', summary.out]);
  table.push(['rounds per item', summary.roundsPerItem.toFixed(2)]);
  table.push([
    'unsettled items (votes never settled)',
    `${summary.unsettled}${summary.reviewOut === undefined ? '' : ` (written to ${summary.reviewOut})`}`,
  ]);
  if (summary.adaptive !== undefined) table.push(...adaptiveSummaryRows(summary.adaptive));
  return table.toString();
}

export const register: CommandRegistrar = (program, setExitCode) => {
  const command = addCommandOptions(
    new Command('run').description('answer the task for every row of a data file'),
    'run',
  );
  command.action(async (values: RunCliValues) => {
    setExitCode(await runCommand(values, (text) => process.stdout.write(`${text}\n`)));
  });
  program.addCommand(command);
};
