import { type BatchPromptStream, streamBatchPrompt } from '../engine/batch-prompt.js';
import type { ItemResult, Progress, ResolvedStrategy } from '../engine/types.js';
import { ResultsAnalyzer, type RunDetails, type SampleBatch, taskLabels } from '../eval/analyze-results.js';
import { recordFirstCall } from '../eval/analyze-sample-batch.js';
import { type OutputScores, OutputsScorer } from '../eval/score-outputs.js';
import { answersMatch } from '../parse/answers-match.js';
import type { OutputFormat } from '../prompt/render-batch.js';
import { dataFileIdentity, type InvalidRow, readSource } from '../source/read-source.js';
import { createSourceDigest } from '../source/source-digest.js';
import type { ChatModel } from '../spec/chat-model.js';
import { InputError } from '../spec/errors.js';
import type { Task } from '../task/task-schema.js';
import type { SelectedSource } from './select-source.js';

/*
 * The one path from the rows a run selected to results and a summary: the rows streamed through
 * the engine, each result handed to the caller's sinks in input order and to the analysis, which
 * keeps counts only; nothing holds the items or their results.
 */

/** The data-file row a result answers. */
export interface SourceRow {
  row: number;
  record: Record<string, unknown>;
  fields: Record<string, string>;
}

/** Where a command sends what the pipeline produces; results arrive in input order. */
/**
 * Where a session's results go. A sink's promise is awaited before the next result; any other
 * value it returns is ignored (so `(result) => kept.push(result)` is a sink).
 */
export interface PipelineSinks {
  result?: (result: ItemResult, row: SourceRow | undefined) => unknown;
  /** A bad row kept by `--skip-invalid`, in its place among the results. */
  invalid?: (invalid: InvalidRow) => unknown;
  /** After every call and finished window, with the replayed (cached) part of the counts. */
  progress?: (progress: Progress, replayed: { inputTokens: number; outputTokens: number }) => void;
}

export interface PipelineOutcome {
  summary: ReturnType<BatchPromptStream['summary']>;
  /** Accuracy by round, by position and by confidence, and the first call as sent. */
  details: RunDetails;
  /** A task with several outputs: each output's scores against its own gold answers. */
  outputScores?: OutputScores[];
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
  const outputsScorer = task.outputs === undefined ? undefined : new OutputsScorer(task);
  const analyzer = new ResultsAnalyzer({
    voting: stream.strategy.voting,
    // A task with outputs has no single answer: its items are scored output by output above.
    matches: (answer, gold) => task.outputs === undefined && answersMatch(task, answer, gold),
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
    outputsScorer?.add(result);
  }
  await writeInvalidBefore(Number.POSITIVE_INFINITY);
  const summary = stream.summary();
  const sampleBatch = recorder.sample();
  const details = analyzer.finish(summary.rounds, sampleBatch);
  return {
    summary,
    details,
    unsettled,
    sampleBatch,
    ...(outputsScorer === undefined ? {} : { outputScores: outputsScorer.finish() }),
  };
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
