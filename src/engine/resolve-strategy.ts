import type { ChatModel } from '../spec/chat-model.js';
import { InputError } from '../spec/errors.js';
import { expectedValue, setAtPath, strategyOptionTable, valueAtPath } from './strategy-option-table.js';
import type { ResolvedStrategy, StrategyOptions } from './types.js';

/**
 * Validates strategy options once, against `strategyOptionTable`, and fills in its defaults.
 * `single` forces one item per call and one round; `batch` forces one round; the early-stopping
 * rule follows from the strategy name unless given; `auto` format becomes `json` where the model
 * supports JSON schemas.
 */
export function resolveStrategy(
  options: StrategyOptions,
  model?: Pick<ChatModel, 'supportsJsonSchema'>,
): ResolvedStrategy {
  const values: Record<string, unknown> = {};
  for (const spec of strategyOptionTable) {
    const value = valueAtPath(options, spec.path);
    const expected = value === undefined ? undefined : expectedValue(spec.kind, value);
    if (expected !== undefined) {
      throw new InputError(`Expected \`${spec.path}\` to be ${expected}, got \`${String(value)}\``, {
        field: spec.path,
      });
    }
    setAtPath(values, spec.path, value ?? (typeof spec.default === 'object' ? undefined : spec.default));
  }
  const given = values as unknown as Omit<ResolvedStrategy, 'earlyStop' | 'format'> &
    Pick<StrategyOptions, 'earlyStop'> & { format: ResolvedStrategy['format'] | 'auto' };
  const resolved: ResolvedStrategy = {
    ...given,
    earlyStop:
      given.earlyStop ??
      (given.strategy === 'bpe+seas' ? 'seas' : given.strategy === 'adaptive' ? 'adaptive' : 'none'),
    format: given.format === 'auto' ? (model?.supportsJsonSchema ? 'json' : 'lines') : given.format,
  };
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
  return resolved;
}
