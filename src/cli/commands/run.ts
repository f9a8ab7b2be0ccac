import Table from 'cli-table3';
import { resolveStrategy, settleFormat } from '../../engine/resolve-strategy.js';
import type { AdaptiveSummary, ResolvedStrategy } from '../../engine/types.js';
import type { RunDetails } from '../../eval/analyze-results.js';
import { defaultLocalModelUri } from '../../models/default-local-model.js';
import { describeReplyFormat, type ReplyFormatSummary } from '../../parse/reply-format-rule.js';
import { costUsd } from '../../plan/price-table.js';
import { serviceTierCostUsd } from '../../plan/service-tier-cost.js';
import type { OutputFormat } from '../../prompt/render-batch.js';
import type { RunSession } from '../../session/open-run-session.js';
import { type PricedRequests, pricedRequests, withBilledFailures } from '../../session/paid-requests.js';
import type { PipelineOutcome } from '../../session/run-pipeline.js';
import { InputError } from '../../spec/errors.js';
import type { ServiceTierStats } from '../../stack/create-service-tier-layer.js';
import { requestTallyRows } from '../../stack/request-tally-rows.js';
import { loadTask } from '../../task/load-task.js';
import { adaptiveSummaryRows } from '../adaptive-summary-rows.js';
import { type CommandContext, type ReviewEntry, withCommandContext } from '../command-context.js';
import { strategyFromCli } from '../command-flags.js';
import type { CommandValues } from '../command-options.js';
import { confirmPaidRun } from '../confirm-paid-run.js';
import { prepareLocalModel } from '../default-model.js';
import { commandInputs, defaultResultsFile, refuseClashingPaths } from '../output-paths.js';
import { tableStyle } from '../plain-output.js';
import { serviceTierRow } from '../service-tier-row.js';
import { selectSourceFromCli } from '../source-from-cli.js';
import { outcomeReason } from '../stop-reasons.js';

interface RunCliValues extends CommandValues {
  storeDir: string;
  cache: boolean;
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
  /** Of `inputTokens`, those written to the provider's prompt cache (priced at its write rate). */
  cacheWriteTokens: number;
  estimatedCostUsd: number | null;
  wallMs: number;
  /** Every request sent by this invocation, answered or failed; `failedCostUsd` prices the billed failures. */
  requests: PricedRequests;
  /** Calls and tokens of the whole run, cache hits included: what the job costs from scratch. */
  totalCalls: number;
  totalInputTokens: number;
  totalOutputTokens: number;
  accuracy?: number;
  out?: string;
  /** Items whose votes never settled; they are the rows of `reviewOut`. */
  unsettled: number;
  /** The first 500 of them, for the report. */
  review: ReviewEntry[];
  reviewOut?: string;
  /** Mean rounds an item took part in. */
  roundsPerItem: number;
  /** What the adaptive rule measured in its pilot and decided (strategy `adaptive` only). */
  adaptive?: AdaptiveSummary;
  resumed: boolean;
  task: string;
  strategy: { strategy: string; batchSize: number; rounds: number; voting: string };
  /** Accuracy by round, by position and by confidence (where gold labels were given), one batch as sent. */
  details: RunDetails;
  /** The calls went through the provider's batch API (`--batch-api`), priced at its batch rate. */
  batchApi?: boolean;
  /** How the reply format was chosen, and whether the run switched to JSON (and after what). */
  replyFormat: ReplyFormatSummary;
  /** With `--service-tier`: the calls of each tier they ran in (each priced at its rate), and flex's refusals. */
  serviceTiers?: ServiceTierStats;
}

export async function runCommand(given: RunCliValues, print: (text: string) => void): Promise<number> {
  // Answers paid for are never thrown away: without --out they go to a new file beside the data.
  const values = { ...given, out: given.out ?? defaultResultsFile(given.data) };
  refuseClashingPaths(commandInputs(values), [
    { flag: '--out', path: values.out },
    ...(values.reviewOut === undefined ? [] : [{ flag: '--review-out', path: values.reviewOut }]),
  ]);
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
  const strategy = resolveStrategy(strategyFromCli(values));
  const selected = await selectSourceFromCli(values, task, strategy, {
    skipInvalidHint: '--skip-invalid records it and goes on',
  });
  const { scan } = selected;
  const labelled =
    task.outputs === undefined
      ? values.labelField !== undefined
      : task.outputs.every((output) => scan.columns.includes(output.name)) || values.labelField !== undefined;
  const outputColumns =
    task.outputs === undefined ? {} : { outputs: task.outputs.map((output) => output.name) };
  return withCommandContext(
    {
      values,
      modelUri,
      task,
      selected,
      seed: strategy.seed,
      results: {
        layout:
          values.columns === 'answers-only'
            ? { labelled, ...outputColumns }
            : {
                inputColumns: scan.columns,
                ...(scan.idColumn === undefined ? {} : { idColumn: scan.idColumn }),
                labelled,
                ...outputColumns,
              },
        withInput: values.columns !== 'answers-only',
        invalidRows: true,
      },
      withStore: true,
      journal: {
        strategy,
        identity: {
          idField: values.idField,
          labelField: values.labelField,
          map: values.map,
          // A trial run on some rows is a run of its own, resumed only by the same trial.
          ...(values.limit === undefined ? {} : { limit: values.limit }),
          ...(values.sample === undefined ? {} : { sample: values.sample }),
          // Secret codes change every prompt, so such a run never resumes a run without them.
          ...(values.secretTags ? { secretTags: true } : {}),
        },
        ...(values.resume === undefined ? {} : { resume: values.resume }),
      },
      resumeHint: (kept, repliesKept) =>
        repliesKept
          ? `completed calls are cached; run the same command again to resume${kept}`
          : `--no-cache kept no reply${kept}: the same command pays for every call again (without --no-cache, the replies paid for are kept and the same command resumes from them)`,
    },
    async (context) => {
      const { session } = context;
      if (session.resumed && !values.json) process.stderr.write(`resuming run ${session.runId}\n`);
      const settled = settleFormat(strategy, session.base);
      if (!(await confirmPaidRun(values, session.base, task, selected.source, settled, session.price))) {
        return { kind: 'declined' };
      }
      const outcome = await context.answer(strategy);
      await context.complete();
      const json = runSummaryJson(values, context, outcome, strategy);
      // The journal keeps the totals; the details hold item text (the sample batch), which stays out.
      const { details: _details, ...totals } = json;
      session.finish(totals);
      print(values.json ? JSON.stringify(json, null, 2) : renderRunSummary(json));
      return outcomeReason(outcome.summary, values.allowFailed);
    },
  );
}

/** The summary of a finished run: what this invocation paid for, and the run as a whole. */
function runSummaryJson(
  values: RunCliValues,
  context: CommandContext,
  outcome: PipelineOutcome,
  strategy: ResolvedStrategy<OutputFormat | 'auto'>,
): RunSummaryJson {
  const { summary } = outcome;
  const session: RunSession = context.session;
  const paidCachedInputTokens = session.paidCachedInputTokens();
  const paidCacheWriteTokens = session.paidCacheWriteTokens();
  const serviceTiers = session.stack.serviceTiers?.();
  // Failed requests whose bodies were billed count as calls with their tokens, and cost alike.
  const requests = pricedRequests(session.stack.requests(), session.price);
  const { failedCostUsd } = requests;
  const { calls, inputTokens, outputTokens } = withBilledFailures(
    {
      calls: summary.calls - summary.replayedCalls,
      inputTokens: summary.inputTokens - summary.replayedInputTokens,
      outputTokens: summary.outputTokens - summary.replayedOutputTokens,
    },
    requests,
  );
  const tierCostUsd =
    serviceTiers === undefined
      ? undefined
      : serviceTierCostUsd(session.price, session.base.id, serviceTiers.byTier);
  return {
    runId: session.runId!,
    model: summary.model,
    simulated: summary.simulated,
    items: session.selected.scan.rows,
    answered: summary.answered,
    unanswered: summary.unanswered,
    failed: summary.failed,
    invalid: session.selected.scan.invalidCount,
    calls,
    cacheHits: summary.replayedCalls,
    inputTokens,
    outputTokens,
    cachedInputTokens: paidCachedInputTokens,
    cacheWriteTokens: paidCacheWriteTokens,
    estimatedCostUsd:
      (serviceTiers === undefined
        ? costUsd(session.price, inputTokens, outputTokens, paidCachedInputTokens, paidCacheWriteTokens)
        : tierCostUsd === undefined
          ? undefined
          : tierCostUsd + (failedCostUsd ?? 0)) ?? null,
    requests,
    ...(serviceTiers === undefined ? {} : { serviceTiers }),
    wallMs: summary.wallMs,
    totalCalls: summary.calls,
    totalInputTokens: summary.inputTokens,
    totalOutputTokens: summary.outputTokens,
    ...(summary.accuracy === undefined ? {} : { accuracy: summary.accuracy }),
    ...(values.out === undefined ? {} : { out: values.out }),
    unsettled: context.unsettled.count,
    review: context.unsettled.review,
    ...(values.reviewOut === undefined ? {} : { reviewOut: values.reviewOut }),
    roundsPerItem: Math.round(summary.roundsPerItem * 1000) / 1000,
    ...(summary.adaptive === undefined ? {} : { adaptive: summary.adaptive }),
    resumed: session.resumed,
    task: session.task.name,
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
        ? summary.simulated
          ? 'none: a simulated model bills nothing (--prices gives it a price)'
          : 'no price for this model'
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

/** `batchprompt run`: prints to stdout, returns the exit code. */
export function runAction(values: RunCliValues): Promise<number> {
  return runCommand(values, (text) => process.stdout.write(`${text}\n`));
}
