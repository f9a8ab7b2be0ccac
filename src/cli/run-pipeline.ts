import { type BatchPromptStream, streamBatchPrompt } from '../engine/batch-prompt.js';
import type { ItemResult, Progress, ResolvedStrategy } from '../engine/types.js';
import { ResultsAnalyzer, type RunDetails, type SampleBatch, taskLabels } from '../eval/analyze-results.js';
import { recordFirstCall } from '../eval/analyze-sample-batch.js';
import { answersMatch } from '../parse/answers-match.js';
import { batchPriceOf, costUsd, loadPrices, type ModelPrice, priceOf } from '../plan/price-table.js';
import { serviceTierCostUsd } from '../plan/service-tier-cost.js';
import { createSpendingCap, type SpendingCap, type SpendingCapState } from '../plan/spending-cap.js';
import type { OutputFormat } from '../prompt/render-batch.js';
import {
  type DataSourceOptions,
  dataFileIdentity,
  type InvalidRow,
  readSource,
  type SourceScan,
  scanSource,
  sourceItems,
} from '../source/read-source.js';
import { createSourceDigest } from '../source/source-digest.js';
import type { ChatModel } from '../spec/chat-model.js';
import { InputError } from '../spec/errors.js';
import { createModelStack, type ModelStack } from '../stack/create-model-stack.js';
import type { Store } from '../store/open-store.js';
import type { Task } from '../task/task-schema.js';
import { mappingFromCli } from './command-flags.js';
import type { CommandValues } from './command-options.js';
import { describeJobEvent } from './describe-job-event.js';
import { describeQueueEvent } from './describe-queue-event.js';
import { printSchedulerEvent } from './describe-scheduler-event.js';
import { describeTierEvent } from './describe-tier-event.js';
import { rowSelection } from './row-selection.js';
import { batchApiFromCli, queueFromCli, schedulingFromCli } from './stack-from-cli.js';

/*
 * The one path of `run` and `eval` from (task, data, options) to (results, summary): the rows the
 * flags select, scanned once before anything is paid for; the model stack the flags describe;
 * then the rows streamed through the engine, each result handed to the command's sinks in input
 * order and to the analysis, which keeps counts only. `run` goes through it once, `eval` once per
 * strategy; neither holds the items or their results.
 */

/** The flags of the pipeline: every command option, the ones run and eval always have set. */
export interface PipelineCliValues extends CommandValues {
  cache: boolean;
}

/** The rows a command answers, with what the first pass found in them. */
export interface SelectedSource {
  source: DataSourceOptions;
  scan: SourceScan;
  /** Size and modification time when scanned: the answering pass must read the same file. */
  identity: { path: string; size: number; modifiedMs: number };
}

/**
 * The data file as the flags map it, cut to `--limit` (its first rows) or `--sample` (a seeded
 * sample of its rows, the same rows for run and eval), and scanned: a bad row stops the command
 * here, naming file, line and field, unless `--skip-invalid` lets it go on without it.
 */
export async function selectSource(
  values: PipelineCliValues,
  task: Task,
  options: {
    maxItemTokens: number;
    seed: number;
    /** The gold column, where the command requires one (eval). */
    labelField?: string;
    /** What `--skip-invalid` would do with a bad row, for the message. */
    skipInvalidDoes: string;
  },
): Promise<SelectedSource> {
  const identity = dataFileIdentity(values.data);
  const source: DataSourceOptions = {
    file: values.data,
    task,
    maxItemTokens: options.maxItemTokens,
    ...mappingFromCli(values),
    ...(options.labelField === undefined ? {} : { labelField: options.labelField }),
  };
  // A trial takes the first --limit rows or a --sample of them; a sample needs the row count.
  if (values.limit !== undefined) source.rows = rowSelection({ limit: values.limit, seed: 0 }, 0);
  else if (values.sample !== undefined) {
    const all = await scanSource(source);
    const rows = rowSelection({ sample: values.sample, seed: options.seed }, all.rows);
    if (rows !== undefined) source.rows = rows;
  }
  // Every bad row is found before anything is paid for.
  const scan = await scanSource(source);
  if (scan.invalidCount > 0 && !values.skipInvalid) {
    const first = scan.invalid[0]!;
    const more =
      scan.invalidCount > 1
        ? ` (and ${scan.invalidCount - 1} more bad row(s); --skip-invalid ${options.skipInvalidDoes})`
        : ` (--skip-invalid ${options.skipInvalidDoes})`;
    throw new InputError(`${first.error.message.replace(/^.*?: /, '')}${more}`, {
      file: values.data,
      line: first.line,
      ...(first.error.field === undefined ? {} : { field: first.error.field }),
    });
  }
  return { source, scan, identity };
}

/** Whether the model URI names the simulator, which answers from the gold labels. */
export function isSimulatedUri(uri: string): boolean {
  return uri === 'sim' || uri.startsWith('sim:');
}

/** The price the calls are paid at: the table's (or `--prices`'), at the batch rate with --batch-api. */
export function paidPriceFromCli(values: CommandValues, modelId: string): ModelPrice | undefined {
  const price = priceOf(loadPrices(values.prices), modelId);
  return values.batchApi ? batchPriceOf(price, modelId) : price;
}

/**
 * The spending cap `--max-cost` sets, or none without it. Refused, before any call, for a model
 * the price table does not know: a budget that cannot be counted would stop nothing.
 */
export function spendingCapFromCli(
  values: PipelineCliValues,
  modelId: string,
  price: ModelPrice | undefined,
  onExceeded: (state: SpendingCapState) => void,
): SpendingCap | undefined {
  if (values.maxCost === undefined) return undefined;
  if (price === undefined) {
    throw new InputError(
      `--max-cost needs a price for \`${modelId}\`; give one with --prices file.json ({ "${modelId}": { "input": 2.5, "output": 10 } }, dollars per million tokens)`,
      { field: 'max-cost' },
    );
  }
  return createSpendingCap({ budgetUsd: values.maxCost, price, onExceeded });
}

/** What stderr says when the budget stopped a command, and how to go on. */
export function budgetStopMessage(
  stop: SpendingCapState,
  spent: SpendingCapState,
  answered: number,
  items: number,
  /** What of the results was kept, e.g. ` (partial results in out.jsonl.partial)`, or ''. */
  kept: string,
): string {
  return `\nstopped at the budget: the next call could have taken the cost to $${stop.refused?.wouldReachUsd.toFixed(4)}, over --max-cost $${stop.budgetUsd}; ${spent.calls} call(s) made for $${spent.spentUsd.toFixed(4)}, ${answered} of ${items} items with a final answer so far. Completed calls are cached: the same command with a higher --max-cost continues from here${kept}\n`;
}

/** Why a command stopped early on a batch job: `--detach`, or a job was cancelled. */
export interface BatchStop {
  reason: 'detached' | 'cancelled';
  jobId: string;
}

export interface PipelineStack {
  stack: ModelStack;
  /** Cached replies that failed their checksum and were asked again. */
  damagedReplies(): number;
  /** Prompt-cache reads of the calls paid for by this command, priced at their own rate. */
  paidCachedInputTokens(): number;
}

/**
 * The model stack the flags describe, the same for run and eval: the model (the simulator learns
 * the gold answers from `knownSource`, streamed), the response cache in `store`, the scheduler,
 * the batch API with `--batch-api`, and a spending cap where calls are paid for.
 */
export async function createPipelineStack(options: {
  values: PipelineCliValues;
  modelUri: string;
  task: Task;
  knownSource: DataSourceOptions;
  seed: number;
  controller: AbortController;
  store?: Store;
  runId?: string;
  cap?: SpendingCap;
  /** With `--batch-api`: submit the jobs and stop (run --detach). */
  detach?: boolean;
  onBatchStop?: (stop: BatchStop) => void;
}): Promise<PipelineStack> {
  const { values, controller, store, cap } = options;
  let damagedReplies = 0;
  let paidCachedInputTokens = 0;
  let usageWarnings = 0;
  const batchApi = batchApiFromCli(values);
  const stack = await createModelStack({
    uri: options.modelUri,
    task: options.task,
    ...(cap === undefined ? {} : { wrapPaidCalls: cap.wrap }),
    // Gold answers for the simulated model: one more pass over the file, kept as digests only.
    knownItems: () => sourceItems(options.knownSource, controller.signal),
    simUnknownItems: 'refuse',
    seed: options.seed,
    ...(store === undefined ? {} : { store }),
    ...(options.runId === undefined ? {} : { runId: options.runId }),
    cache: values.cache,
    onEvent: (event) => {
      switch (event.type) {
        case 'reply':
          if (!event.cached) paidCachedInputTokens += event.usage.cachedInputTokens ?? 0;
          return;
        case 'damaged-reply':
          damagedReplies += 1;
          if (damagedReplies <= 5) {
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
        case 'job-detached':
        case 'job-cancelled': {
          const reason = event.type === 'job-detached' ? 'detached' : 'cancelled';
          options.onBatchStop?.({ reason, jobId: event.job.jobId });
          controller.abort(new Error(reason === 'detached' ? 'detached' : 'batch job cancelled'));
          return;
        }
        case 'wait':
        case 'retry':
        case 'rate-limited':
          printSchedulerEvent(event);
          return;
        case 'tier-refused':
          process.stderr.write(`${describeTierEvent(event)}\n`);
          return;
        case 'queue-connected':
        case 'queue-lost':
        case 'queue-back':
        case 'queue-unavailable':
          if (values.quiet !== true || event.type === 'queue-unavailable') {
            process.stderr.write(`${describeQueueEvent(event)}\n`);
          }
          return;
        default:
          if (values.quiet !== true) process.stderr.write(`${describeJobEvent(event)}\n`);
      }
    },
    ...schedulingFromCli(values),
    ...queueFromCli(values),
    ...(batchApi === undefined
      ? {}
      : { batchApi: { ...batchApi, detach: options.detach === true, signal: controller.signal } }),
  });
  return {
    stack,
    damagedReplies: () => damagedReplies,
    paidCachedInputTokens: () => paidCachedInputTokens,
  };
}

/** The data-file row a result answers. */
export interface SourceRow {
  row: number;
  record: Record<string, unknown>;
  fields: Record<string, string>;
}

/** Where a command sends what the pipeline produces; results arrive in input order. */
export interface PipelineSinks {
  result?: (result: ItemResult, row: SourceRow | undefined) => Promise<void> | void;
  /** A bad row kept by `--skip-invalid`, in its place among the results. */
  invalid?: (invalid: InvalidRow) => Promise<void> | void;
  /** After every call and finished window, with the replayed (cached) part of the counts. */
  progress?: (progress: Progress, replayed: { inputTokens: number; outputTokens: number }) => void;
}

/**
 * The progress sink of run and eval: the reporter's line with the cost of what this command paid
 * for (replayed, cached replies cost nothing; prompt-cache reads at their own rate).
 */
export function progressSink(
  reporter: { update(progress: Progress, costUsd: number | undefined): void },
  price: ModelPrice | undefined,
  built: PipelineStack,
): NonNullable<PipelineSinks['progress']> {
  return (state, replayed) => {
    // With --service-tier, each tier's calls at that tier's rate.
    const tiers = built.stack.serviceTiers?.();
    reporter.update(
      state,
      tiers === undefined
        ? costUsd(
            price,
            state.inputTokens - replayed.inputTokens,
            state.outputTokens - replayed.outputTokens,
            built.paidCachedInputTokens(),
          )
        : serviceTierCostUsd(price, built.stack.base.id, tiers.byTier),
    );
  };
}

export interface PipelineOutcome {
  summary: ReturnType<BatchPromptStream['summary']>;
  /** Accuracy by round, by position and by confidence, and the first call as sent. */
  details: RunDetails;
  /** Items whose votes never settled. */
  unsettled: number;
  sampleBatch: SampleBatch | null;
}

/** Streams the selected rows through the engine under one strategy and returns the summary. */
export async function runPipeline(options: {
  task: Task;
  selected: SelectedSource;
  /** Resolved once by the command; an `auto` format is settled by the engine for the model. */
  strategy: ResolvedStrategy<OutputFormat | 'auto'>;
  model: ChatModel;
  signal: AbortSignal;
  tagSecret?: string;
  sinks?: PipelineSinks;
}): Promise<PipelineOutcome> {
  const { task, selected, sinks = {} } = options;
  const { source, scan } = selected;
  // Invalid rows wait for the valid item that follows them, so results keep the input order.
  const invalidQueue: InvalidRow[] = [];
  const itemRows: SourceRow[] = [];
  assertUnchanged(source.file, selected.identity);
  const answering = createSourceDigest();
  const items = (async function* () {
    for await (const entry of readSource(source, options.signal)) {
      answering.add(entry);
      if (entry.kind === 'item') {
        itemRows.push({ row: entry.row, record: entry.record, fields: entry.item.fields });
        yield entry.item;
      } else invalidQueue.push(entry.invalid);
    }
    // Results are matched to rows by position: rows that changed under the run would be
    // matched to answers of other rows, so the run stops rather than finish on them.
    if (answering.rows !== scan.rows || answering.digest() !== scan.digest) {
      throw new InputError(
        `the file changed while the run was reading it: ${scan.rows} rows when validated, ${answering.rows} rows${answering.rows === scan.rows ? ' with other content' : ''} when answered; the run is not marked completed (replies paid so far are cached): run it again once the file stays put`,
        { file: source.file },
      );
    }
  })();
  // The first call is kept for the report; the figures are gathered as results stream past.
  const recorder = recordFirstCall(options.model);
  const stream = streamBatchPrompt({
    resolvedStrategy: options.strategy,
    task,
    items,
    model: recorder.model,
    signal: options.signal,
    itemsTotal: scan.items,
    ...(options.tagSecret === undefined ? {} : { tagSecret: options.tagSecret }),
    ...(sinks.progress === undefined
      ? {}
      : {
          onProgress: (state: Progress) => {
            const summary = stream.summary();
            sinks.progress?.(state, {
              inputTokens: summary.replayedInputTokens,
              outputTokens: summary.replayedOutputTokens,
            });
          },
        }),
  });
  // The vote is re-counted round by round as the engine counts it.
  const analyzer = new ResultsAnalyzer({
    voting: stream.strategy.voting,
    matches: (answer, gold) => answersMatch(task, answer, gold),
    ...taskLabels(task),
  });
  const writeInvalidBefore = async (row: number) => {
    while (invalidQueue.length > 0 && invalidQueue[0]!.row < row)
      await sinks.invalid?.(invalidQueue.shift()!);
  };
  let unsettled = 0;
  for await (const result of stream) {
    // Results come in input order, so the oldest recorded row is this result's.
    const row = itemRows.shift();
    await writeInvalidBefore(row?.row ?? Number.POSITIVE_INFINITY);
    if (!result.settled) unsettled += 1;
    await sinks.result?.(result, row);
    analyzer.add(result, row?.fields);
  }
  await writeInvalidBefore(Number.POSITIVE_INFINITY);
  const summary = stream.summary();
  const sampleBatch = recorder.sample();
  return { summary, details: analyzer.finish(summary.rounds, sampleBatch), unsettled, sampleBatch };
}

/** The data file must be the one the validation pass read: same size, same modification time. */
function assertUnchanged(file: string, validated: { size: number; modifiedMs: number }): void {
  const now = dataFileIdentity(file);
  if (now.size !== validated.size || now.modifiedMs !== validated.modifiedMs) {
    throw new InputError(
      `the file changed after it was validated (${validated.size} bytes then, ${now.size} now); nothing was sent: run again once the file stays put`,
      { file },
    );
  }
}
