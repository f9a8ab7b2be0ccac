import type { ResolvedStrategy } from './types.js';

/**
 * Items in a run's first window. The adaptive rule decides on its first window, so a smaller one
 * lets the later windows use the decision (and a grown batch) sooner; every other strategy cuts
 * all windows at `windowSize`.
 */
export function firstWindowSize(strategy: ResolvedStrategy): number {
  return strategy.earlyStop === 'adaptive'
    ? Math.min(strategy.windowSize, strategy.adaptive.firstWindow)
    : strategy.windowSize;
}
