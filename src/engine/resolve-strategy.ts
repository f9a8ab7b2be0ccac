import { autoReplyFormat, type ReplyFormatModel } from '../parse/reply-format-rule.js';
import type { OutputFormat } from '../prompt/render-batch.js';
import { InputError } from '../spec/errors.js';
import { parseOptions, setAtPath, valueAtPath } from './option-schema.js';
import {
  type ResolvedStrategy,
  type StrategyOptions,
  strategyOptionLeaves,
  strategySchema,
  strategyShape,
} from './strategy-options.js';
import type { BatchPromptOptions } from './types.js';

type ModelFormatSupport = ReplyFormatModel;

/** The format a resolved strategy has before the model is known: the one given, or maybe `auto`. */
type FormatOf<Given> = Given extends { format: infer Format extends OutputFormat }
  ? Format
  : OutputFormat | 'auto';

/**
 * Checks strategy options against `strategySchema` and fills in its defaults; a caller resolves
 * once per run. `single` forces one item per call and one round, `batch` one round; the
 * early-stopping rule follows from the strategy unless given. An `auto` format stays `auto`
 * until the model is known: pass the model here, or let the run settle it.
 */
export function resolveStrategy<Given extends StrategyOptions>(
  options: Given,
): ResolvedStrategy<FormatOf<Given>>;
export function resolveStrategy(options: StrategyOptions, model: ModelFormatSupport): ResolvedStrategy;
export function resolveStrategy(
  options: StrategyOptions,
  model?: ModelFormatSupport,
): ResolvedStrategy<OutputFormat | 'auto'> {
  const parsed = parseOptions(strategySchema, options);
  const { changeLimit, ...adaptive } = parsed.adaptive;
  const filled: Record<string, unknown> = {
    ...parsed,
    adaptive,
    earlyStop:
      parsed.earlyStop ??
      (parsed.strategy === 'bpe+seas' ? 'seas' : parsed.strategy === 'adaptive' ? 'adaptive' : 'none'),
  };
  // In the schema's order, so that summaries and plans list the options as the schema does.
  const resolved = Object.fromEntries(
    Object.keys(strategyShape).map((key) => [key, filled[key]]),
  ) as unknown as ResolvedStrategy<OutputFormat | 'auto'>;
  for (const [alias, value] of Object.entries(changeLimit ?? {})) {
    if (value !== undefined) useInstead(options, resolved, `adaptive.changeLimit.${alias}`, value);
  }
  const { stableChangeRate, orderDependentChangeRate } = resolved.adaptive;
  for (const stratum of ['sure', 'unsure'] as const) {
    if (!(stableChangeRate[stratum] < orderDependentChangeRate[stratum])) {
      throw new InputError(
        `Expected \`adaptive.stableChangeRate.${stratum}\` (${stableChangeRate[stratum]}) to be below \`adaptive.orderDependentChangeRate.${stratum}\` (${orderDependentChangeRate[stratum]})`,
        { field: `adaptive.stableChangeRate.${stratum}` },
      );
    }
  }
  if (resolved.strategy === 'single') {
    resolved.batchSize = 1;
    resolved.rounds = 1;
  }
  if (resolved.strategy === 'batch') resolved.rounds = 1;
  return model === undefined ? resolved : settleFormat(resolved, model);
}

/**
 * `auto` becomes the format `autoReplyFormat` picks for the model: `lines` for a model billed per
 * output token, `json` for a local model held to it by a grammar.
 */
export function settleFormat(
  strategy: ResolvedStrategy<OutputFormat | 'auto'>,
  model: ModelFormatSupport,
): ResolvedStrategy {
  const format = strategy.format === 'auto' ? autoReplyFormat(model).format : strategy.format;
  return { ...strategy, format };
}

/**
 * The strategy a run goes by: the one resolved before the run (`resolvedStrategy`) or its
 * options resolved now, with the format settled for the run's model.
 */
export function strategyOfRun(options: BatchPromptOptions): ResolvedStrategy {
  const { resolvedStrategy } = options;
  if (resolvedStrategy === undefined) return resolveStrategy(options, options.model);
  const given = Object.keys(strategyShape).filter(
    (key) => options[key as keyof typeof strategyShape] !== undefined,
  );
  if (given.length > 0) {
    throw new InputError(
      `Expected either \`resolvedStrategy\` or strategy options, got both (\`${given.join('`, `')}\`)`,
      { field: given[0]! },
    );
  }
  return settleFormat(resolvedStrategy, options.model);
}

const warned = new Set<string>();

/**
 * A deprecated option's value goes to the option that replaced it (with a warning, once per
 * process), unless that option was given another value.
 */
function useInstead(options: StrategyOptions, resolved: object, alias: string, value: unknown): void {
  const replacedBy = strategyOptionLeaves().find((leaf) => leaf.path === alias)?.meta.replacedBy;
  if (replacedBy === undefined) return;
  const given = valueAtPath(options, replacedBy);
  if (given !== undefined && given !== value) {
    throw new InputError(
      `Expected one value for \`${replacedBy}\`, got \`${String(given)}\` and \`${String(value)}\` under its deprecated name \`${alias}\``,
      { field: alias },
    );
  }
  setAtPath(resolved as Record<string, unknown>, replacedBy, value);
  if (!warned.has(alias)) {
    warned.add(alias);
    process.emitWarning(`\`${alias}\` is deprecated and goes in the next release: use \`${replacedBy}\``, {
      type: 'DeprecationWarning',
      code: 'BATCHPROMPT_DEPRECATED_OPTION',
    });
  }
}
