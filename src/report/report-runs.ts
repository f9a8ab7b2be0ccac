import type {
  AdaptiveInput,
  OutputScoresInput,
  ReportInput,
  ReviewItemInput,
  RunDetailsInput,
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

/** What a view is built from: a strategy of a comparison, or a single run's summary. */
interface RunFigures {
  accuracy?: number | null | undefined;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  answered: number;
  details?: RunDetailsInput | undefined;
  roundsPerItem?: number | undefined;
  unsettled?: number | undefined;
  adaptive?: AdaptiveInput | undefined;
  review?: ReviewItemInput[] | undefined;
  outputs?: OutputScoresInput[] | undefined;
}

/** The figures of a view that its source may lack, in the order a view lists them. */
const optionalFigures = ['details', 'outputs', 'roundsPerItem', 'unsettled', 'adaptive', 'review'] as const;

/** A run's view; the optional figures come along where the source has them. */
function runView(
  name: string,
  strategy: { batchSize: number; rounds: number; voting: string } | undefined,
  run: RunFigures,
  withoutAnswer: number,
): RunView {
  const view: RunView = {
    name,
    batchSize: strategy?.batchSize ?? null,
    rounds: strategy?.rounds ?? null,
    voting: strategy?.voting ?? null,
    accuracy: run.accuracy ?? null,
    calls: run.calls,
    inputTokens: run.inputTokens,
    outputTokens: run.outputTokens,
    answered: run.answered,
    withoutAnswer,
  };
  for (const figure of optionalFigures) {
    if (run[figure] !== undefined) Object.assign(view, { [figure]: run[figure] });
  }
  return view;
}

/**
 * The runs of a report's input, one view each. A run summary may lack its strategy (written
 * before summaries named it).
 */
export function runsOf(input: ReportInput): RunView[] {
  switch (input.kind) {
    case 'comparison':
      return input.data.strategies.map((strategy) =>
        runView(strategy.name, strategy, strategy, strategy.failed),
      );
    case 'eval':
    case 'run': {
      const run = input.data;
      return [runView(run.strategy?.strategy ?? 'run', run.strategy, run, run.failed + run.unanswered)];
    }
  }
}
