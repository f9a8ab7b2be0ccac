import { costUsd, flexPriceOf, type ModelPrice } from './price-table.js';

/** The calls of one tier and their tokens (the stack's service-tier layer counts them). */
export interface TierTokens {
  calls: number;
  inputTokens: number;
  /** Prompt-cache reads, a part of `inputTokens`. */
  cachedInputTokens: number;
  outputTokens: number;
}

/**
 * Dollars of calls counted by the tier they ran in, each tier at its own rate: standard at the
 * list price, flex at the flex rate. Undefined, rather than a guess, when the model has no price or
 * a call ran in a tier the table does not price (a provider's `priority`, say).
 */
export function serviceTierCostUsd(
  price: ModelPrice | undefined,
  modelId: string,
  byTier: Readonly<Record<string, TierTokens>>,
): number | undefined {
  let total = 0;
  for (const [tier, account] of Object.entries(byTier)) {
    if (account.calls === 0) continue;
    const tierPrice = tier === 'standard' ? price : tier === 'flex' ? flexPriceOf(price, modelId) : undefined;
    const cost = costUsd(tierPrice, account.inputTokens, account.outputTokens, account.cachedInputTokens);
    if (cost === undefined) return undefined;
    total += cost;
  }
  return total;
}
