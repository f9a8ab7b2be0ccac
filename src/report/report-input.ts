import { z } from 'zod';
import { InputError } from '../spec/errors.js';

const count = z.number().int().nonnegative();
const share = z.number().min(0).max(1);

const voteCountSchema = z.object({ votes: count, correct: count });

/** Per-class scores, macro F1 and kappa of one confusion matrix (`ConfusionScores`). */
const confusionSchema = z.object({
  matrix: z.object({ labels: z.array(z.string()), counts: z.array(z.array(count)) }),
  items: count,
  accuracy: share.nullable(),
  perClass: z.array(
    z.object({
      label: z.string(),
      support: count,
      predicted: count,
      truePositives: count,
      precision: share.nullable(),
      recall: share.nullable(),
      f1: share.nullable(),
    }),
  ),
  macroF1: share.nullable(),
  kappa: z.number().min(-1).max(1).nullable(),
});

/** The `details` that `eval --json` and `eval --compare --json` add per run (see analyze-results). */
const detailsSchema = z.object({
  voting: z.string(),
  scored: count,
  byRound: z.array(
    z.object({
      round: z.number().int().positive(),
      accuracy: share.nullable(),
      activeItems: count,
      calls: count,
      inputTokens: count,
      outputTokens: count,
      stopped: count,
    }),
  ),
  byPosition: z.array(voteCountSchema.extend({ bucket: count, from: share, to: share })),
  confidence: z.object({ confident: voteCountSchema, notConfident: voteCountSchema }),
  sampleBatch: z
    .object({
      messages: z.array(z.object({ role: z.string(), content: z.string() })),
      reply: z.string().nullable(),
      finishReason: z.string().optional(),
      error: z.string().optional(),
    })
    .nullable(),
  // Written by batchprompt since it scores by class and lists items to review; older files lack them.
  scores: confusionSchema.nullable().optional(),
  review: z
    .array(
      z.object({
        id: z.string(),
        fields: z.record(z.string(), z.string()),
        gold: z.union([z.string(), z.number()]).nullable(),
        answer: z.union([z.string(), z.number()]).nullable(),
        confidence: share.nullable(),
        status: z.string(),
        wrong: z.boolean(),
        uncertain: z.boolean(),
        votes: z.array(
          z.object({
            round: z.number().int().positive(),
            answer: z.union([z.string(), z.number()]),
            confident: z.boolean(),
            position: count,
            batchSize: count,
            batch: z.string().optional(),
          }),
        ),
        error: z.string().optional(),
      }),
    )
    .optional(),
  reviewCounts: z.object({ wrong: count, uncertain: count }).optional(),
});

/** One output's scores of a task with outputs (`OutputScores`): against that output's own gold answers. */
const outputScoresSchema = z.object({
  output: z.string(),
  scored: count,
  correct: count,
  accuracy: share.nullable(),
  confusion: confusionSchema.optional(),
  labels: z
    .array(
      z.object({
        label: z.string(),
        support: count,
        predicted: count,
        truePositives: count,
        f1: share.nullable(),
      }),
    )
    .optional(),
  jaccard: share.nullable().optional(),
});

/** What the adaptive rule measured and decided (`AdaptiveSummary`). */
const adaptiveSchema = z.object({
  pilotItems: count,
  confidence: share,
  strata: z.array(
    z.object({
      stratum: z.string(),
      items: count,
      changed: count,
      moved: count.optional(),
      changeRate: share,
      upperBound: share,
      lowerBound: share.optional(),
      limit: share.optional(),
      stopsAfterRound1: z.boolean(),
    }),
  ),
  test: z
    .object({
      sure: z.object({ items: count, moved: count }),
      unsure: z.object({ items: count, moved: count }),
      logLikelihoodRatio: z.number(),
      byStratum: z.object({ sure: z.number(), unsure: z.number() }).optional(),
      stableAt: z.number(),
      orderDependentAt: z.number(),
      verdict: z.enum(['stable', 'order-dependent', 'undecided']),
    })
    .optional(),
  decision: z.string(),
  startBatchSize: count,
  finalBatchSize: count,
  probes: z.array(
    z.object({
      batchSize: count,
      anchors: count,
      agreed: count,
      disagreementUpperBound: share,
      limit: share,
      accepted: z.boolean(),
      askedBy: z.literal('pilot').optional(),
    }),
  ),
  growthSkipped: z.string().optional(),
  stoppedAfterRound1: count,
  stoppedByUnsureCap: count,
});

/** An item whose votes never settled, as `run --json` lists it for review. */
const reviewItemSchema = z.object({
  id: z.string(),
  answer: z.union([z.string(), z.number()]).nullable(),
  confidence: z.number().nullable(),
  margin: z.number(),
  votes: z.record(z.string(), z.number()),
});

/** `eval --compare --json` (and `demo --json`). */
const comparisonSchema = z.object({
  model: z.string(),
  simulated: z.boolean(),
  task: z.string(),
  items: count,
  strategies: z
    .array(
      z.object({
        name: z.string(),
        batchSize: count,
        rounds: count,
        voting: z.string(),
        accuracy: share.nullable(),
        calls: count,
        inputTokens: count,
        outputTokens: count,
        answered: count,
        failed: count,
        roundsPerItem: z.number().nonnegative().optional(),
        unsettled: count.optional(),
        finalBatchSize: count.optional(),
        adaptive: adaptiveSchema.optional(),
        // A task with outputs: each output's scores (written since tasks could have outputs).
        outputs: z.array(outputScoresSchema).optional(),
        // Absent in the output of batchprompt versions before `report` existed.
        details: detailsSchema.optional(),
      }),
    )
    .min(1),
});

/** `eval --json` without `--compare`: the engine's run summary. */
const evalRunSchema = z.object({
  model: z.string(),
  simulated: z.boolean(),
  task: z.string(),
  strategy: z.object({ strategy: z.string(), batchSize: count, rounds: count, voting: z.string() }),
  items: count,
  answered: count,
  unanswered: count,
  failed: count,
  calls: count,
  inputTokens: count,
  outputTokens: count,
  accuracy: share.optional(),
  wallMs: z.number().nonnegative().optional(),
  roundsPerItem: z.number().nonnegative().optional(),
  adaptive: adaptiveSchema.optional(),
  details: detailsSchema.optional(),
});

/** `run --json`: totals, and the details gathered while the results streamed past. */
const runSummarySchema = z.object({
  runId: z.string(),
  model: z.string(),
  simulated: z.boolean(),
  items: count,
  answered: count,
  unanswered: count,
  failed: count,
  invalid: count,
  calls: count,
  cacheHits: count,
  inputTokens: count,
  outputTokens: count,
  // Parts of inputTokens the provider's prompt cache read and wrote; older summaries lack them.
  cachedInputTokens: count.optional(),
  cacheWriteTokens: count.optional(),
  estimatedCostUsd: z.number().nonnegative().nullable(),
  wallMs: z.number().nonnegative(),
  totalCalls: count,
  totalInputTokens: count,
  totalOutputTokens: count,
  accuracy: share.optional(),
  roundsPerItem: z.number().nonnegative().optional(),
  unsettled: count.optional(),
  review: z.array(reviewItemSchema).optional(),
  adaptive: adaptiveSchema.optional(),
  resumed: z.boolean(),
  // Written by batchprompt since `run --json` gathers them; older summaries lack them.
  task: z.string().optional(),
  strategy: z
    .object({ strategy: z.string(), batchSize: count, rounds: count, voting: z.string() })
    .optional(),
  details: detailsSchema.optional(),
});

export type RunDetailsInput = z.infer<typeof detailsSchema>;
export type AdaptiveInput = z.infer<typeof adaptiveSchema>;
export type OutputScoresInput = z.infer<typeof outputScoresSchema>;
export type ReviewItemInput = z.infer<typeof reviewItemSchema>;
export type ComparisonInput = z.infer<typeof comparisonSchema>;
export type EvalRunInput = z.infer<typeof evalRunSchema>;
export type RunSummaryInput = z.infer<typeof runSummarySchema>;

export type ReportInput =
  | { kind: 'comparison'; data: ComparisonInput }
  | { kind: 'eval'; data: EvalRunInput }
  | { kind: 'run'; data: RunSummaryInput };

const sources = {
  comparison: '`eval --compare --json` or `demo --json`',
  eval: '`eval --json`',
  run: '`run --json`',
} as const;

/**
 * The commands whose `--json` output a report is made from. `eval` without `--compare` prints a
 * comparison of one strategy, and `demo` (also with `--outputs`) one of several.
 */
export const reportInputCommands = ['run', 'eval', 'demo'] as const;

/** Those commands as `report --help` and its errors name them. */
export const reportInputs = '`run --json`, `eval --json` (with or without `--compare`) or `demo --json`';

function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`));
    return `\`${path.join('').replace(/^\./, '') || '(top level)'}\`: ${issue.message}`;
  });
  const more = error.issues.length > shown.length ? `; and ${error.issues.length - shown.length} more` : '';
  return `${shown.join('; ')}${more}`;
}

function check<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  kind: keyof typeof sources,
  file: string,
): z.infer<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InputError(`looks like the output of ${sources[kind]} but ${describeIssues(parsed.error)}`, {
    file,
  });
}

/**
 * Reads the JSON a report is made from. The three accepted shapes are told apart by the field
 * only each has (`strategies`, `runId`, `strategy`), so an error names the shape it was checked
 * against instead of listing every mismatch of every shape.
 */
export function parseReportInput(text: string, file: string): ReportInput {
  if (looksLikeResultsFile(text, file)) {
    throw new InputError(
      `is a results file (one row per item); a report is made from the summary that ${reportInputs} prints: run the same command with --json > summary.json, then \`batchprompt report summary.json\``,
      { file },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`is not valid JSON: ${(error as Error).message}`, { file, cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(
      `expected a JSON object from ${reportInputs}, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`,
      { file },
    );
  }
  if ('worstCase' in value && 'single' in value) {
    throw new InputError(
      `is the output of \`plan --json\`, a forecast made before any call; a report shows what a run answered: the summary that ${reportInputs} prints`,
      { file },
    );
  }
  if ('strategies' in value)
    return { kind: 'comparison', data: check(comparisonSchema, value, 'comparison', file) };
  if ('runId' in value) return { kind: 'run', data: check(runSummarySchema, value, 'run', file) };
  if ('strategy' in value) return { kind: 'eval', data: check(evalRunSchema, value, 'eval', file) };
  throw new InputError(
    `is not the output of ${reportInputs}: expected a \`strategies\`, \`strategy\` or \`runId\` field, found ${
      Object.keys(value)
        .slice(0, 8)
        .map((key) => `\`${key}\``)
        .join(', ') || 'an empty object'
    }`,
    { file },
  );
}

/**
 * A results file (`--out`) rather than a summary: named like one, or JSON lines whose first row
 * carries the answer columns.
 */
function looksLikeResultsFile(text: string, file: string): boolean {
  if (/\.(csv|parquet|jsonl|ndjson)$/i.test(file)) return true;
  const firstLine = text.slice(0, text.indexOf('\n') === -1 ? text.length : text.indexOf('\n'));
  try {
    const row: unknown = JSON.parse(firstLine);
    return typeof row === 'object' && row !== null && 'answer' in row && 'status' in row;
  } catch {
    return false;
  }
}
