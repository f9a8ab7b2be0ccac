import type { ChatModel } from '../spec/chat-model.js';
import { InputError } from '../spec/errors.js';
import type {
  AdaptiveOptions,
  ResolvedAdaptiveOptions,
  ResolvedStrategy,
  StrategyName,
  StrategyOptions,
} from './types.js';

const strategyNames: readonly StrategyName[] = ['single', 'batch', 'bpe', 'bpe+seas', 'adaptive'];

function shareOption(name: string, value: unknown, fallback: number, inclusive: { low: boolean }): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(inclusive.low ? value >= 0 : value > 0) || !(value <= 1)) {
    throw new InputError(
      `Expected \`${name}\` to be a number ${inclusive.low ? 'from 0' : 'above 0'} to 1, got \`${String(value)}\``,
      { field: name },
    );
  }
  return value;
}

function resolveAdaptive(options: AdaptiveOptions | undefined): ResolvedAdaptiveOptions {
  const given = options ?? {};
  const confidence = shareOption('adaptive.confidence', given.confidence, 0.9, { low: false });
  if (confidence >= 1) {
    throw new InputError(`Expected \`adaptive.confidence\` to be below 1, got \`${confidence}\``, {
      field: 'adaptive.confidence',
    });
  }
  return {
    pilotShare: shareOption('adaptive.pilotShare', given.pilotShare, 0.1, { low: true }),
    minPilotItems: integerOption('adaptive.minPilotItems', given.minPilotItems, 64, 1),
    changeLimit: {
      sure: shareOption('adaptive.changeLimit.sure', given.changeLimit?.sure, 0.05, { low: true }),
      unsure: shareOption('adaptive.changeLimit.unsure', given.changeLimit?.unsure, 0.4, { low: true }),
    },
    confidence,
    maxBatchSize: integerOption('adaptive.maxBatchSize', given.maxBatchSize, 256, 1),
    probeAnchors: integerOption('adaptive.probeAnchors', given.probeAnchors, 32, 1),
    unsureRoundCap: integerOption('adaptive.unsureRoundCap', given.unsureRoundCap, 2, 2),
  };
}

function integerOption(name: string, value: unknown, fallback: number, minimum: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    throw new InputError(`Expected \`${name}\` to be an integer >= ${minimum}, got \`${String(value)}\``, {
      field: name,
    });
  }
  return value;
}

function choiceOption<T extends string>(name: string, value: unknown, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !choices.includes(value as T)) {
    throw new InputError(
      `Expected \`${name}\` to be one of ${choices.join(', ')}, got \`${String(value)}\``,
      {
        field: name,
      },
    );
  }
  return value as T;
}

/**
 * Validates strategy options once and fills in defaults. `single` forces one item per call and
 * one round; `batch` forces one round; the early-stopping rule follows from the strategy name.
 */
export function resolveStrategy(
  options: StrategyOptions,
  model?: Pick<ChatModel, 'supportsJsonSchema'>,
): ResolvedStrategy {
  const strategy = choiceOption('strategy', options.strategy, strategyNames, 'bpe+seas');
  const format = choiceOption('format', options.format, ['lines', 'json', 'auto'] as const, 'auto');
  const temperature = options.temperature ?? 0;
  if (
    typeof temperature !== 'number' ||
    !Number.isFinite(temperature) ||
    temperature < 0 ||
    temperature > 2
  ) {
    throw new InputError(
      `Expected \`temperature\` to be a number from 0 to 2, got \`${String(temperature)}\``,
      {
        field: 'temperature',
      },
    );
  }
  const resolved: ResolvedStrategy = {
    strategy,
    batchSize: integerOption('batchSize', options.batchSize, 32, 1),
    maxBatchTokens: integerOption('maxBatchTokens', options.maxBatchTokens, 64_000, 1),
    rounds: integerOption('rounds', options.rounds, 5, 1),
    voting: choiceOption('voting', options.voting, ['majority', 'weighted'] as const, 'weighted'),
    earlyStop: choiceOption(
      'earlyStop',
      options.earlyStop,
      ['seas', 'adaptive', 'none'] as const,
      strategy === 'bpe+seas' ? 'seas' : strategy === 'adaptive' ? 'adaptive' : 'none',
    ),
    adaptive: resolveAdaptive(options.adaptive),
    format: format === 'auto' ? (model?.supportsJsonSchema ? 'json' : 'lines') : format,
    seed: integerOption('seed', options.seed, 0, 0),
    maxReasks: integerOption('maxReasks', options.maxReasks, 2, 0),
    examples: choiceOption(
      'examples',
      options.examples,
      ['every-call', 'first-round', 'none'] as const,
      'every-call',
    ),
    permutation: choiceOption('permutation', options.permutation, ['random', 'balanced'] as const, 'random'),
    windowSize: integerOption('windowSize', options.windowSize, 4096, 1),
    temperature,
  };
  if (strategy === 'single') {
    resolved.batchSize = 1;
    resolved.rounds = 1;
  }
  if (strategy === 'batch') resolved.rounds = 1;
  return resolved;
}
