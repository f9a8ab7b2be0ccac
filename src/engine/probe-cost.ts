import type { RunWindow } from './plan-stage.js';
import type { RunContext } from './run-context.js';

/** A run's items after this window: known from the caller's total, or guessed from a full window. */
export function itemsAfter(context: RunContext, window: RunWindow): number {
  const { itemsTotal } = context.options;
  if (itemsTotal !== undefined)
    return Math.max(0, itemsTotal - (window.items[0]?.index ?? 0) - window.items.length);
  return window.items.length === context.strategy.windowSize ? context.strategy.windowSize : 0;
}

/**
 * Whether a probe of `next` items pays: a larger batch saves the fixed prompt of the calls it
 * makes unnecessary on the items still to come; the probe costs its anchors' tokens, and should
 * its size not be kept, its new items are asked again. A probe is tried only when the saving
 * covers both (on the simulated frontier model 5 of 8 probes of 64 kept their size, and a
 * rejected one made a run of 640 BoolQ items 10% dearer). Undefined when it pays, else why not,
 * in a sentence.
 */
export function probeWouldNotPay(
  context: RunContext,
  window: RunWindow,
  size: number,
  next: number,
  itemsToCome: number,
) {
  const { strategy } = context;
  const meanItemTokens =
    window.items.reduce((sum, state) => sum + state.tokens, 0) / Math.max(1, window.items.length);
  const fixed = context.fixedTokensPerCall(window.items[0]);
  const saving = fixed * (Math.ceil(itemsToCome / size) - Math.ceil(itemsToCome / next));
  // The anchors, and the new items asked again if the size is not kept: the whole probe.
  const cost = next * (meanItemTokens + context.tokensPerAnswer(strategy.format));
  if (saving > cost) return undefined;
  return `a probe at ${next} would cost about ${Math.round(cost)} tokens and save about ${Math.max(0, Math.round(saving))} on the ${itemsToCome} items to come`;
}
