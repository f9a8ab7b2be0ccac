import type {
  AdaptiveInput,
  EvalRunInput,
  OutputScoresInput,
  ReportInput,
  ReviewItemInput,
  RunDetailsInput,
  RunSummaryInput,
} from './report-input.js';

/** One run of the input, whatever shape the input had: a strategy of a comparison, or a single run. */
export interface RunView {
  name: string;
  batchSize: number | null;
  rounds: number | null;
  voting: string | null;
  accuracy: number | null;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  answered: number;
  withoutAnswer: number;
  details?: RunDetailsInput;
  roundsPerItem?: number;
  unsettled?: number;
  adaptive?: AdaptiveInput;
  review?: ReviewItemInput[];
  /** A task with outputs: each output's scores against its own gold answers. */
  outputs?: OutputScoresInput[];
}

/** The optional figures a view carries over from its source, when the source has them. */
function extrasOf(source: {
  roundsPerItem?: number | undefined;
  unsettled?: number | undefined;
  adaptive?: AdaptiveInput | undefined;
  review?: ReviewItemInput[] | undefined;
}): Partial<RunView> {
  const extras: Partial<RunView> = {};
  if (source.roundsPerItem !== undefined) extras.roundsPerItem = source.roundsPerItem;
  if (source.unsettled !== undefined) extras.unsettled = source.unsettled;
  if (source.adaptive !== undefined) extras.adaptive = source.adaptive;
  if (source.review !== undefined) extras.review = source.review;
  return extras;
}

/** The runs of a report's input, one view each. */
export function runsOf(input: ReportInput): RunView[] {
  switch (input.kind) {
    case 'comparison':
      return input.data.strategies.map((strategy) => ({
        name: strategy.name,
        batchSize: strategy.batchSize,
        rounds: strategy.rounds,
        voting: strategy.voting,
        accuracy: strategy.accuracy,
        calls: strategy.calls,
        inputTokens: strategy.inputTokens,
        outputTokens: strategy.outputTokens,
        answered: strategy.answered,
        withoutAnswer: strategy.failed,
        ...(strategy.details === undefined ? {} : { details: strategy.details }),
        ...(strategy.outputs === undefined ? {} : { outputs: strategy.outputs }),
        ...extrasOf(strategy),
      }));
    case 'eval':
    case 'run':
      return [singleRunView(input.data)];
  }
}

/**
 * The one run of `eval --json` or `run --json`. A run summary may lack its strategy (written
 * before summaries named it); the optional figures come along where the input has them.
 */
function singleRunView(run: EvalRunInput | RunSummaryInput): RunView {
  return {
    name: run.strategy?.strategy ?? 'run',
    batchSize: run.strategy?.batchSize ?? null,
    rounds: run.strategy?.rounds ?? null,
    voting: run.strategy?.voting ?? null,
    accuracy: run.accuracy ?? null,
    calls: run.calls,
    inputTokens: run.inputTokens,
    outputTokens: run.outputTokens,
    answered: run.answered,
    withoutAnswer: run.failed + run.unanswered,
    ...(run.details === undefined ? {} : { details: run.details }),
    ...extrasOf(run),
  };
}
