import { z } from 'zod';
import type { OutputFormat } from '../prompt/render-batch.js';
import { type OptionMeta, optionLeaves } from './option-schema.js';
import { type PermutationName, permutationNames } from './permutation-schemes.js';
import type { Voting } from './vote.js';

/*
 * Every strategy option of the library, declared once. The schema gives the types (the input
 * `StrategyOptions`, the filled-in `ResolvedStrategy`, each option's JSDoc carried to both),
 * `resolveStrategy` checks values against it, and its registered metadata builds the `run`,
 * `eval` and `plan` flags, their `--help` and the README's option reference. A new option is one
 * entry here and the engine code that acts on it. The shapes are exported constants and the
 * schemas annotated with them so that the published declarations keep each option's JSDoc; each
 * JSDoc spans lines, since the declaration bundler moves a one-line comment onto the option before.
 */

/** What `--help` and the README say of each strategy option. */
export const strategyOptionMeta = z.registry<OptionMeta>();

function option<T extends z.ZodType>(schema: T, meta: OptionMeta): T {
  strategyOptionMeta.add(schema, meta);
  return schema;
}

/** A share strictly between 0 and 1. */
const openShare = () => z.number().gt(0).lt(1);

export const strategyNames = ['single', 'batch', 'bpe', 'bpe+seas', 'adaptive'] as const;
export type StrategyName = (typeof strategyNames)[number];
export const earlyStopRules = ['seas', 'adaptive', 'none'] as const;
export type EarlyStop = (typeof earlyStopRules)[number];
const votings = ['weighted', 'majority'] as const satisfies readonly Voting[];

/*
 * The rates of the two hypotheses of the pilot's sequential test, by round-1 tag. Each sits at the
 * rate the answers of that kind of model move between rounds 1 and 2, measured on SEAS's round-2
 * calls of the simulated profiles at 16 and 32 items per call (BoolQ 320, RTE, QQP; seeds 0-19;
 * examples in round 1 or in every call; `npx tsx bench/measure-pilot-moves.ts`):
 * - a model that does not depend on order (`frontier`, after the runs of a current LLM): sure
 *   answers move 3.0-3.4% of the time, unsure ones 20% (QQP) to 32% (BoolQ). An unsure answer
 *   mostly stays unsure, but the unsure tags of round 1 include the sure items tagged unsure by
 *   chance (3% of them), which come back sure: the more of its items a model is sure about, the
 *   larger their part of the unsure answers, so the stable side is the top of that range;
 * - a model that does (`gpt-4`, `gpt-3.5`, after the 2023 models of the BatchPrompt paper): sure
 *   answers move 5.8-9.9% (gpt-4) and 27-32% (gpt-3.5), unsure ones 79-95%, since their
 *   confidence is drawn per request and an unsure answer mostly comes back sure.
 * Sure answers tell the two apart only weakly (gpt-4's move not twice as often); unsure ones
 * strongly.
 */
export const stableChangeRateShape = {
  /**
   * How often a pilot answer that was sure in round 1 *moves* (round 2 gives it another label or
   * the unsure tag) on a model that does not depend on order: the sequential test's one side. A
   * share, above 0 and below 1. @default 0.04
   */
  sure: option(openShare().default(0.04), {
    description:
      "how often a sure pilot answer moves (round 2 gives another label or tag) on a model that does not depend on order (the sequential test's one side)",
    group: 'adaptive',
  }),
  /**
   * The same for a pilot answer that was unsure in round 1. A share. @default 0.3
   */
  unsure: option(openShare().default(0.3), {
    description: 'the same for an unsure pilot answer',
    group: 'adaptive',
  }),
};

export const orderDependentChangeRateShape = {
  /**
   * How often a sure pilot answer moves on a model that does depend on order: the sequential
   * test's other side; above `stableChangeRate.sure`. A share. @default 0.08
   */
  sure: option(openShare().default(0.08), {
    description:
      "how often a sure pilot answer moves on a model that does depend on order (the sequential test's other side)",
    group: 'adaptive',
  }),
  /**
   * The same for an unsure pilot answer; above `stableChangeRate.unsure`. A share. @default 0.85
   */
  unsure: option(openShare().default(0.85), {
    description: 'the same for an unsure pilot answer',
    group: 'adaptive',
  }),
};

/** The names `probeDisagreementLimit` and `unsureChangeLimit` had before; kept for one release. */
export const changeLimitShape = {
  /**
   * @deprecated Use `adaptive.probeDisagreementLimit` (it limits batch growth).
   */
  sure: option(z.number().min(0).max(1).optional(), {
    description: 'deprecated: use --adaptive-probe-disagreement-limit',
    group: 'adaptive',
    replacedBy: 'adaptive.probeDisagreementLimit',
  }),
  /**
   * @deprecated Use `adaptive.unsureChangeLimit`.
   */
  unsure: option(z.number().min(0).max(1).optional(), {
    description: 'deprecated: use --adaptive-unsure-change-limit',
    group: 'adaptive',
    replacedBy: 'adaptive.unsureChangeLimit',
  }),
};

export const adaptiveShape = {
  /**
   * Change rates of pilot answers on a model that does not depend on order, by stratum.
   */
  stableChangeRate: z.object(stableChangeRateShape).prefault({}) as z.ZodPrefault<
    z.ZodObject<typeof stableChangeRateShape>
  >,
  /**
   * Change rates of pilot answers on a model that does depend on order, by stratum.
   */
  orderDependentChangeRate: z.object(orderDependentChangeRateShape).prefault({}) as z.ZodPrefault<
    z.ZodObject<typeof orderDependentChangeRateShape>
  >,
  /**
   * The chance of either wrong verdict of the sequential test between the two rates. A
   * probability, above 0 and below 0.5. @default 0.1
   */
  risk: option(z.number().gt(0).lt(0.5).default(0.1), {
    description: 'the chance of either wrong verdict of the sequential test',
    group: 'adaptive',
  }),
  /**
   * Items of the first window, whose round 2 holds the pilot; later windows use its decision.
   * Items. @default 1024
   */
  firstWindow: option(z.number().int().min(1).default(1024), {
    description: 'items of the first window, whose round 2 holds the pilot; later windows use its decision',
    group: 'adaptive',
  }),
  /**
   * Batch growth: a larger batch is kept while the one-sided Wilson upper bound (at `confidence`)
   * of its anchors' disagreement (settled answers asked again in it that give another label) is
   * at most this. A share, 0 to 1. @default 0.05
   */
  probeDisagreementLimit: option(z.number().min(0).max(1).default(0.05), {
    description:
      'a larger batch is kept while the upper bound of the disagreement of the settled answers asked again in it is at most this',
    group: 'adaptive',
  }),
  /**
   * Unsure answers: on a stable model they stop after round 1 (as sure ones do) unless the
   * one-sided Wilson lower bound (at `confidence`) of their round-2 label-change rate is above
   * this; then they keep voting. A share, 0 to 1. @default 0.2
   */
  unsureChangeLimit: option(z.number().min(0).max(1).default(0.2), {
    description:
      'unsure answers of a stable model keep voting when the lower bound of their round-2 label-change rate is above this',
    group: 'adaptive',
  }),
  /**
   * @deprecated `sure` is `probeDisagreementLimit`, `unsure` is `unsureChangeLimit`.
   */
  changeLimit: z.object(changeLimitShape).optional() as z.ZodOptional<z.ZodObject<typeof changeLimitShape>>,
  /**
   * One-sided confidence of the Wilson bounds (unsure answers, batch probes). @default 0.9
   */
  confidence: option(openShare().default(0.9), {
    description: 'one-sided confidence of the Wilson bounds (unsure answers, batch probes)',
    group: 'adaptive',
  }),
  /**
   * Most items in one call that the batch may grow to; `maxBatchTokens` holds too. Published work
   * sees answers degrade from about 100 items per prompt, and a probe's anchors bound a size's
   * label changes only to a few percent, so larger sizes are left to a user who raises this and
   * lets the probes measure them. Items. @default 100
   */
  maxBatchSize: option(z.number().int().min(1).default(100), {
    description:
      'most items in one call that the batch may grow to (--max-batch-tokens holds too); larger sizes are probed only when raised',
    group: 'adaptive',
  }),
  /**
   * Already answered items mixed into a larger batch to test it. Items. @default 32
   */
  probeAnchors: option(z.number().int().min(1).default(32), {
    description: 'already answered items mixed into a larger batch to test it',
    group: 'adaptive',
  }),
  /**
   * An item whose last this many votes were all unsure and all one label stops. Votes. @default 2
   */
  unsureRoundCap: option(z.number().int().min(2).default(2), {
    description: 'an item whose last this many votes were all unsure and all one label stops',
    group: 'adaptive',
  }),
  /**
   * Once the pilot found the model stable, a round after the first that would ask fewer items
   * than this in a window is not asked: those items keep the votes they have, instead of paying
   * the instruction of a call for a handful of them. 0 asks every round. Items. @default 8
   */
  minRoundItems: option(z.number().int().min(0).default(8), {
    description:
      'once the model is found stable, a later round with fewer items than this left in a window is not asked; they keep their votes (0: ask every round)',
    group: 'adaptive',
  }),
};

export const adaptiveSchema: z.ZodObject<typeof adaptiveShape> = z.object(adaptiveShape);

/** How the `adaptive` rule measures and decides, each option optional. */
export interface AdaptiveOptions extends z.input<typeof adaptiveSchema> {}

export const strategyShape = {
  /**
   * `single`: one item per call. `batch`: one round of batches. `bpe`: several rounds, later ones
   * shuffled, answers voted. `bpe+seas`: as `bpe`, items leave once answered confidently twice.
   * `adaptive`: a pilot measures whether a second round moves answers, per stratum (sure,
   * unsure); strata whose answers do not move stop after round 1, the others go on under SEAS;
   * the pilot also grows the batch while larger batches agree with smaller ones (see `adaptive`).
   * @default 'adaptive'
   */
  strategy: option(z.enum(strategyNames).default('adaptive'), {
    description:
      'single: one item per call; batch: one round of batches; bpe: voting over shuffled rounds; bpe+seas: bpe with early stopping; adaptive: a pilot decides which answers need more rounds, and the batch size',
    group: 'strategy',
  }),
  /**
   * Most items in one call; forced to 1 by `single`. Items. @default 32
   */
  batchSize: option(z.number().int().min(1).default(32), {
    description: 'most items in one call (1 with single)',
    group: 'strategy',
  }),
  /**
   * Most item tokens in one call, besides the instruction and examples; an item larger than this
   * is refused. Tokens (o200k). @default 64000
   */
  maxBatchTokens: option(z.number().int().min(1).default(64_000), {
    description: 'most item tokens (o200k) in one call, besides the instruction and examples',
    group: 'strategy',
  }),
  /**
   * Voting rounds; forced to 1 by `single` and `batch`. Rounds. @default 5
   */
  rounds: option(z.number().int().min(1).default(5), {
    description: 'voting rounds (1 with single and batch)',
    group: 'strategy',
  }),
  /**
   * `weighted`: a sure vote weighs 1, an unsure one 0.2; `majority`: 1 each. @default 'weighted'
   */
  voting: option(z.enum(votings).default('weighted'), {
    description: 'weighted: sure votes count more; majority: one vote each',
    group: 'strategy',
  }),
  /**
   * The early-stopping rule: `seas` lets an item go once answered sure twice; `adaptive` stops what
   * its pilot finds stable; `none` asks every round. @default `seas` with `bpe+seas`, `adaptive`
   * with `adaptive`, else `none`
   */
  earlyStop: option(z.enum(earlyStopRules).optional(), {
    description:
      'stopping rule: seas lets an item go once answered sure twice; adaptive stops what its pilot finds stable; none asks every round',
    group: 'strategy',
    derivedDefault: 'seas with bpe+seas, adaptive with adaptive, else none',
  }),
  /**
   * Reply format: one line per answer, or a JSON object. `auto` takes lines for models billed per
   * output token (a line costs about three quarters of a JSON entry's output tokens) and JSON for
   * local models (a grammar holds them to it for free), and switches a run from lines to JSON for
   * good once more than 2% of its last 50 line replies could not be read as lines
   * (`reply-format-rule.ts`); it is settled once the model is known. @default 'auto'
   */
  format: option(z.enum(['auto', 'json', 'lines']).default('auto'), {
    description:
      'reply format; auto takes lines for billed models and json for local ones, and switches to json when over 2% of the last 50 line replies cannot be read',
    group: 'strategy',
  }),
  /**
   * Seed of the shuffles and batch codes. @default 0
   */
  seed: option(z.number().int().min(0).default(0), {
    description: 'seed of the shuffles and batch codes (and of a --sample and the simulated model)',
    group: 'strategy',
  }),
  /**
   * How often an item without a usable answer is asked again within a round. Asks. A reply whose
   * numbering alone failed is first asked again whole once, on top of these. @default 2
   */
  maxReasks: option(z.number().int().min(0).default(2), {
    description:
      'how often an item without a usable answer is asked again within a round (a batch whose reply was misnumbered is first asked again whole once, on top of these)',
    group: 'strategy',
  }),
  /**
   * When the worked examples are sent: in every call, only in round 1 (later rounds repeat items
   * the model has already seen answered in the same format), or never. @default 'every-call'
   */
  examples: option(z.enum(['every-call', 'first-round', 'none']).default('every-call'), {
    description: 'when the worked examples are sent',
    group: 'strategy',
  }),
  /**
   * How later rounds order items: `random` shuffles them (the paper's choice); `balanced` shuffles
   * too, then within each batch gives the edge places to the items that sat nearest the middle
   * before, since answers depend on place and the middle is answered worst. @default 'random'
   */
  permutation: option(z.enum(permutationNames as [PermutationName, ...PermutationName[]]).default('random'), {
    description:
      'order of later rounds: random shuffles; balanced also moves the items that sat in the middle to the edges',
    group: 'strategy',
  }),
  /**
   * Items answered together before their results are released; bounds memory. Items. @default 4096
   */
  windowSize: option(z.number().int().min(1).default(4096), {
    description: 'items answered together before their results are released; bounds memory',
    group: 'strategy',
  }),
  /**
   * Sampling temperature, 0 to 2. @default 0
   */
  temperature: option(z.number().min(0).max(2).default(0), {
    description: 'sampling temperature',
    group: 'strategy',
  }),
  /**
   * How the `adaptive` rule measures and decides; ignored by the other rules.
   */
  adaptive: adaptiveSchema.prefault({}) as z.ZodPrefault<typeof adaptiveSchema>,
};

export const strategySchema: z.ZodObject<typeof strategyShape> = z.object(strategyShape);

/** The strategy options a run takes, each optional. */
export interface StrategyOptions extends z.input<typeof strategySchema> {}

/**
 * Every strategy option checked and filled in (`resolveStrategy`). `format` may stay `auto`
 * until the model is known; `ResolvedStrategy` alone, as the engine runs it, has it settled.
 */
export interface ResolvedStrategy<Format extends OutputFormat | 'auto' = OutputFormat>
  extends Omit<z.output<typeof strategySchema>, 'earlyStop' | 'format' | 'adaptive'> {
  /**
   * The early-stopping rule: as given, or the strategy's own.
   */
  earlyStop: EarlyStop;
  /**
   * Reply format; `auto` is settled by the model (lines for one billed per output token, JSON for a local one).
   */
  format: Format;
  /**
   * How the `adaptive` rule measures and decides; ignored by the other rules.
   */
  adaptive: ResolvedAdaptiveOptions;
}

/** How the adaptive rule measures and decides, every option filled in (the deprecated names gone). */
export interface ResolvedAdaptiveOptions extends Omit<z.output<typeof adaptiveSchema>, 'changeLimit'> {}

/** Every strategy option with its dotted path and metadata, in declaration order. */
export function strategyOptionLeaves() {
  return optionLeaves(strategySchema, strategyOptionMeta);
}
