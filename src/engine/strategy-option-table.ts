import { permutationNames } from './permutation-schemes.js';
import type { StrategyOptions } from './types.js';

/** How an option's value is checked; the same check serves the library and every command's flag. */
export type OptionKind =
  | { type: 'integer'; minimum: number }
  /** `open` leaves the named end out of the range: `{ minimum: 0, maximum: 1, open: 'both' }` is (0, 1). */
  | { type: 'number'; minimum: number; maximum: number; open?: 'both' }
  | { type: 'choice'; choices: readonly string[] };

/** The dotted paths of the leaves of an options object: `batchSize`, `adaptive.changeLimit.sure`. */
export type OptionPath<T, Prefix extends string = ''> = {
  [K in keyof T & string]-?: NonNullable<T[K]> extends string | number | boolean
    ? `${Prefix}${K}`
    : OptionPath<NonNullable<T[K]>, `${Prefix}${K}.`>;
}[keyof T & string];

export type StrategyOptionPath = OptionPath<StrategyOptions>;

export interface StrategyOptionSpec {
  /** Where the option sits in `StrategyOptions`, dotted for the nested ones (`adaptive.confidence`). */
  path: StrategyOptionPath;
  kind: OptionKind;
  /** The value when the option is not given; a sentence where it follows from other options. */
  default: number | string | { derived: string };
  /** One line, used in `--help` and the README's option reference alike. */
  description: string;
  /** The command-line flag; its value placeholder follows from `kind`. */
  flag: `--${string}`;
}

/**
 * Every strategy option of the library, declared once. `resolveStrategy` validates them and fills
 * in defaults from it, `run`, `eval` and `plan` build their flags and help from it
 * (`src/cli/option-table.ts`), and the README's option reference is written from it; a type check
 * below ties it to `StrategyOptions`, and `test/option-table.test.ts` to the commands and the
 * README. A new option is one row here, its field in `StrategyOptions` and the engine code that
 * acts on it.
 */
export const strategyOptionTable = [
  {
    path: 'strategy',
    kind: { type: 'choice', choices: ['single', 'batch', 'bpe', 'bpe+seas', 'adaptive'] },
    default: 'adaptive',
    description:
      'single: one item per call; batch: one round of batches; bpe: voting over shuffled rounds; bpe+seas: bpe with early stopping; adaptive: a pilot decides which answers need more rounds, and the batch size',
    flag: '--strategy',
  },
  {
    path: 'batchSize',
    kind: { type: 'integer', minimum: 1 },
    default: 32,
    description: 'most items in one call (1 with single)',
    flag: '--batch-size',
  },
  {
    path: 'maxBatchTokens',
    kind: { type: 'integer', minimum: 1 },
    default: 64_000,
    description: 'most item tokens (o200k) in one call, besides the instruction and examples',
    flag: '--max-batch-tokens',
  },
  {
    path: 'rounds',
    kind: { type: 'integer', minimum: 1 },
    default: 5,
    description: 'voting rounds (1 with single and batch)',
    flag: '--rounds',
  },
  {
    path: 'voting',
    kind: { type: 'choice', choices: ['weighted', 'majority'] },
    default: 'weighted',
    description: 'weighted: sure votes count more; majority: one vote each',
    flag: '--voting',
  },
  {
    path: 'earlyStop',
    kind: { type: 'choice', choices: ['seas', 'adaptive', 'none'] },
    default: { derived: 'seas with bpe+seas, adaptive with adaptive, else none' },
    description:
      'stopping rule: seas lets an item go once answered sure twice; adaptive stops what its pilot finds stable; none asks every round',
    flag: '--early-stop',
  },
  {
    path: 'format',
    kind: { type: 'choice', choices: ['auto', 'json', 'lines'] },
    default: 'auto',
    description: 'reply format; auto takes json where the model supports JSON schemas',
    flag: '--format',
  },
  {
    path: 'seed',
    kind: { type: 'integer', minimum: 0 },
    default: 0,
    description: 'seed of the shuffles and batch codes (and of a --sample and the simulated model)',
    flag: '--seed',
  },
  {
    path: 'maxReasks',
    kind: { type: 'integer', minimum: 0 },
    default: 2,
    description: 'how often an item without a usable answer is asked again within a round',
    flag: '--max-reasks',
  },
  {
    path: 'examples',
    kind: { type: 'choice', choices: ['every-call', 'first-round', 'none'] },
    default: 'every-call',
    description: 'when the worked examples are sent',
    flag: '--examples',
  },
  {
    path: 'permutation',
    kind: { type: 'choice', choices: permutationNames },
    default: 'random',
    description:
      'order of later rounds: random shuffles; balanced also moves the items that sat in the middle to the edges',
    flag: '--permutation',
  },
  {
    path: 'windowSize',
    kind: { type: 'integer', minimum: 1 },
    default: 4096,
    description: 'items answered together before their results are released; bounds memory',
    flag: '--window-size',
  },
  {
    path: 'temperature',
    kind: { type: 'number', minimum: 0, maximum: 2 },
    default: 0,
    description: 'sampling temperature',
    flag: '--temperature',
  },
  {
    path: 'adaptive.stableChangeRate.sure',
    kind: { type: 'number', minimum: 0, maximum: 1, open: 'both' },
    default: 0.04,
    description:
      "adaptive: how often a sure pilot answer moves (round 2 gives another label or tag) on a model that does not depend on order (the sequential test's one side)",
    flag: '--adaptive-stable-change-rate-sure',
  },
  {
    path: 'adaptive.stableChangeRate.unsure',
    kind: { type: 'number', minimum: 0, maximum: 1, open: 'both' },
    default: 0.25,
    description: 'adaptive: the same for an unsure pilot answer',
    flag: '--adaptive-stable-change-rate-unsure',
  },
  {
    path: 'adaptive.orderDependentChangeRate.sure',
    kind: { type: 'number', minimum: 0, maximum: 1, open: 'both' },
    default: 0.12,
    description:
      "adaptive: how often a sure pilot answer moves on a model that does depend on order (the sequential test's other side)",
    flag: '--adaptive-order-dependent-change-rate-sure',
  },
  {
    path: 'adaptive.orderDependentChangeRate.unsure',
    kind: { type: 'number', minimum: 0, maximum: 1, open: 'both' },
    default: 0.75,
    description: 'adaptive: the same for an unsure pilot answer',
    flag: '--adaptive-order-dependent-change-rate-unsure',
  },
  {
    path: 'adaptive.risk',
    kind: { type: 'number', minimum: 0, maximum: 0.5, open: 'both' },
    default: 0.1,
    description: 'adaptive: the chance of either wrong verdict of the sequential test',
    flag: '--adaptive-risk',
  },
  {
    path: 'adaptive.firstWindow',
    kind: { type: 'integer', minimum: 1 },
    default: 1024,
    description:
      'adaptive: items of the first window, whose round 2 holds the pilot; later windows use its decision',
    flag: '--adaptive-first-window',
  },
  {
    path: 'adaptive.changeLimit.sure',
    kind: { type: 'number', minimum: 0, maximum: 1 },
    default: 0.05,
    description:
      'adaptive: a larger batch is kept while the upper bound of the disagreement of settled answers asked in it is at most this',
    flag: '--adaptive-change-limit-sure',
  },
  {
    path: 'adaptive.changeLimit.unsure',
    kind: { type: 'number', minimum: 0, maximum: 1 },
    default: 0.2,
    description:
      'adaptive: unsure answers of a stable model keep voting when the lower bound of their round-2 change rate is above this',
    flag: '--adaptive-change-limit-unsure',
  },
  {
    path: 'adaptive.confidence',
    kind: { type: 'number', minimum: 0, maximum: 1, open: 'both' },
    default: 0.9,
    description: 'adaptive: one-sided confidence of the Wilson bounds (unsure answers, batch probes)',
    flag: '--adaptive-confidence',
  },
  {
    path: 'adaptive.maxBatchSize',
    kind: { type: 'integer', minimum: 1 },
    default: 100,
    description:
      'adaptive: most items in one call that the batch may grow to (--max-batch-tokens holds too); larger sizes are probed only when raised',
    flag: '--adaptive-max-batch-size',
  },
  {
    path: 'adaptive.probeAnchors',
    kind: { type: 'integer', minimum: 1 },
    default: 32,
    description: 'adaptive: already answered items mixed into a larger batch to test it',
    flag: '--adaptive-probe-anchors',
  },
  {
    path: 'adaptive.unsureRoundCap',
    kind: { type: 'integer', minimum: 2 },
    default: 2,
    description: 'adaptive: an item whose last this many votes were all unsure and all one label stops',
    flag: '--adaptive-unsure-round-cap',
  },
  {
    path: 'adaptive.minRoundItems',
    kind: { type: 'integer', minimum: 0 },
    default: 8,
    description:
      'adaptive: once the model is found stable, a later round with fewer items than this left in a window is not asked; they keep their votes (0: ask every round)',
    flag: '--adaptive-min-round-items',
  },
] as const satisfies readonly StrategyOptionSpec[];

/**
 * What a valid value of this kind is (`an integer >= 1`), when `value` is not one; undefined when
 * it is. The library's errors and the command-line flags both word their messages from it.
 */
export function expectedValue(kind: OptionKind, value: unknown): string | undefined {
  switch (kind.type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) && value >= kind.minimum
        ? undefined
        : `an integer >= ${kind.minimum}`;
    case 'number': {
      const open = kind.open === 'both';
      const inRange =
        typeof value === 'number' &&
        Number.isFinite(value) &&
        (open
          ? value > kind.minimum && value < kind.maximum
          : value >= kind.minimum && value <= kind.maximum);
      if (inRange) return undefined;
      return open
        ? `a number above ${kind.minimum} and below ${kind.maximum}`
        : `a number from ${kind.minimum} to ${kind.maximum}`;
    }
    case 'choice':
      return typeof value === 'string' && kind.choices.includes(value)
        ? undefined
        : `one of ${kind.choices.join(', ')}`;
  }
}

/** The value at a dotted path of an options object, or undefined. */
export function valueAtPath(options: unknown, path: string): unknown {
  let value: unknown = options;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Sets the value at a dotted path, creating the objects on the way. */
export function setAtPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

type Entry = (typeof strategyOptionTable)[number];
type Missing = Exclude<StrategyOptionPath, Entry['path']>;
type AtPath<T, P extends string> = P extends `${infer Head}.${infer Rest}`
  ? Head extends keyof T
    ? AtPath<NonNullable<T[Head]>, Rest>
    : never
  : P extends keyof T
    ? NonNullable<T[P]>
    : never;
/** The path of a choice option whose choices and library type disagree. */
type ChoiceMismatch<E> = E extends { path: infer P extends string; kind: { choices: readonly (infer C)[] } }
  ? [C] extends [AtPath<StrategyOptions, P>]
    ? [AtPath<StrategyOptions, P>] extends [C]
      ? never
      : P
    : P
  : never;
/**
 * Fails to compile when `StrategyOptions` has an option the table does not declare, or when a
 * choice option's choices and its library type disagree.
 */
const tableMatchesTypes: [Missing | ChoiceMismatch<Entry>] extends [never]
  ? true
  : Missing | ChoiceMismatch<Entry> = true;
void tableMatchesTypes;
