import { batchPrompt } from '../src/engine/batch-prompt.js';
import type {
  AdaptiveOptions,
  AdaptiveSummary,
  BatchSizeProbe,
  Item,
  StrategyName,
} from '../src/engine/types.js';
import type { Voting } from '../src/engine/vote.js';
import { defaultPrices } from '../src/plan/price-table.js';
import type { ChatModel } from '../src/spec/chat-model.js';
import type { Task } from '../src/task/task-schema.js';

/** How the prompt is written: the same for SinglePrompt and the batched strategies of one table. */
export interface PromptSettings {
  format: 'lines' | 'json';
  examples: 'every-call' | 'first-round' | 'none';
}

/** The one price every benchmark row is costed at (a current model of the built-in table). */
export const benchPriceModel = 'openai:gpt-4.1';

/** One measured run: the `--json` row of `npm run bench`. */
export interface BenchRow {
  /** The simulator profile: `gpt-4`, `gpt-3.5` or `frontier`. */
  profile: string;
  task: string;
  model: string;
  strategy: StrategyName;
  batchSize: number;
  rounds: number;
  voting: Voting;
  /** Correct answers over all items (an item without an answer counts as wrong), 0..1. Simulated. */
  accuracy: number;
  calls: number;
  /** Prompt tokens of every call, instruction and examples included (o200k). */
  inputTokens: number;
  outputTokens: number;
  items: number;
  /** Item appearances over items: 1 for SinglePrompt, `rounds` for BPE, less under SEAS. */
  roundsPerItem: number;
  unanswered: number;
  reasks: number;
  format: PromptSettings['format'];
  examples: PromptSettings['examples'];
  /** Always true here: accuracy comes from the calibrated simulator, not from a real LLM. */
  simulated: boolean;
  /** The batch size the run ended with: `batchSize` is where it started (the adaptive rule may grow it). */
  finalBatchSize: number;
  /** Dollars at `benchPriceModel`'s list price, input and output tokens each at their own rate. */
  costUsd: number;
  /** Engine and simulator seed. */
  seed: number;
  /** What the adaptive rule measured and decided, in a sentence (strategy `adaptive` only). */
  adaptiveDecision?: string;
  /** When the adaptive pilot asked (strategy `adaptive` only). */
  adaptivePilotTiming?: AdaptiveSummary['pilotTiming'];
  /** The larger batch sizes the adaptive rule tried (strategy `adaptive` only). */
  adaptiveProbes?: BatchSizeProbe[];
  /** Every item's final answer, in input order, when the run was asked to keep them. */
  answers?: (string | null)[];
}

/** SinglePrompt: one item per call, one round; with one vote per item, majority and weighted voting agree. */
export const singlePrompt = { strategy: 'single', batchSize: 1, rounds: 1, voting: 'majority' } as const;

export interface RunSpec {
  task: Task;
  items: readonly Item[];
  model: ChatModel;
  strategy: StrategyName;
  batchSize: number;
  rounds: number;
  voting: Voting;
  prompt: PromptSettings;
  seed: number;
  /** Adaptive options besides the defaults. */
  adaptive?: AdaptiveOptions;
  /** Keep every item's final answer in the row. */
  keepAnswers?: boolean;
}

/**
 * Runs the engine once, as a user would, and reads calls, tokens and accuracy off its summary.
 * Every row is a real run with exactly that many rounds: nothing is derived from a longer run.
 */
export async function measureRun(spec: RunSpec): Promise<BenchRow> {
  const { results, summary } = await batchPrompt({
    task: spec.task,
    items: spec.items,
    model: spec.model,
    strategy: spec.strategy,
    batchSize: spec.batchSize,
    rounds: spec.rounds,
    voting: spec.voting,
    format: spec.prompt.format,
    examples: spec.prompt.examples,
    seed: spec.seed,
    ...(spec.adaptive === undefined ? {} : { adaptive: spec.adaptive }),
  });
  const price = defaultPrices[benchPriceModel]!;
  const correct = results.filter((result) => result.correct === true).length;
  const appearances = results.reduce((sum, result) => sum + result.rounds, 0);
  return {
    profile: spec.model.id.replace(/^sim:/, ''),
    task: spec.task.name,
    model: spec.model.id,
    strategy: spec.strategy,
    batchSize: summary.strategy.batchSize,
    rounds: summary.strategy.rounds,
    voting: summary.strategy.voting,
    accuracy: correct / results.length,
    calls: summary.calls,
    inputTokens: summary.inputTokens,
    outputTokens: summary.outputTokens,
    items: results.length,
    roundsPerItem: Math.round((appearances / results.length) * 1000) / 1000,
    unanswered: summary.unanswered + summary.failed,
    reasks: summary.reasks,
    format: spec.prompt.format,
    examples: spec.prompt.examples,
    simulated: spec.model.simulated,
    finalBatchSize: summary.adaptive?.finalBatchSize ?? summary.strategy.batchSize,
    costUsd:
      Math.round(((summary.inputTokens * price.input + summary.outputTokens * price.output) / 1e6) * 1e4) /
      1e4,
    seed: spec.seed,
    ...(summary.adaptive === undefined
      ? {}
      : {
          adaptiveDecision: summary.adaptive.decision,
          ...(summary.adaptive.pilotTiming === undefined
            ? {}
            : { adaptivePilotTiming: summary.adaptive.pilotTiming }),
          adaptiveProbes: summary.adaptive.probes,
        }),
    ...(spec.keepAnswers
      ? { answers: results.map((result) => (result.answer === null ? null : String(result.answer))) }
      : {}),
  };
}
