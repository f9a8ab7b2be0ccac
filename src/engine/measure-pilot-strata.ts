import type { ItemState } from './item-state.js';
import { sequentialChangeTest } from './sequential-change-test.js';
import type { ResolvedAdaptiveOptions, StratumFigures } from './types.js';
import { wilsonLowerBound, wilsonUpperBound } from './wilson-upper-bound.js';

/** Round-2 changes among pilot items whose round-1 answer had the given tag (items with both votes). */
function countChanges(pilot: readonly ItemState[], sure: boolean): { items: number; changed: number } {
  let items = 0;
  let changed = 0;
  for (const state of pilot) {
    const first = state.votes.find((vote) => vote.round === 1);
    const second = state.votes.find((vote) => vote.round === 2);
    if (!first || !second || first.confident !== sure) continue;
    items += 1;
    if (String(first.answer) !== String(second.answer)) changed += 1;
  }
  return { items, changed };
}

/** The sequential test on the sure pilot answers so far. */
export function testSureAnswers(pilot: readonly ItemState[], options: ResolvedAdaptiveOptions) {
  const { items, changed } = countChanges(pilot, true);
  return sequentialChangeTest(items, changed, {
    stableRate: options.stableChangeRate,
    unstableRate: options.orderDependentChangeRate,
    risk: options.risk,
  });
}

/**
 * How often round 2 gave another label than round 1, among pilot items whose round-1 answer was
 * tagged sure, and among those tagged unsure. Sure answers stop after round 1 when the sequential
 * test calls the model stable. Unsure ones stop only then too (a model whose sure answers move
 * depends on order), and unless they clearly move themselves: the Wilson lower bound of their
 * change rate above `changeLimit.unsure` keeps them voting. The burden of proof is on moving,
 * since a pilot holds a handful of unsure answers, and on a stable model another round of an
 * unsure answer mostly repeats it.
 */
export function measurePilotStrata(
  pilot: readonly ItemState[],
  options: ResolvedAdaptiveOptions,
): StratumFigures[] {
  const test = testSureAnswers(pilot, options);
  const sureStops = test.verdict === 'stable';
  return (['sure', 'unsure'] as const).map((stratum): StratumFigures => {
    const { items, changed } = countChanges(pilot, stratum === 'sure');
    const upperBound = wilsonUpperBound(changed, items, options.confidence);
    const lowerBound = wilsonLowerBound(changed, items, options.confidence);
    const limit = stratum === 'sure' ? options.orderDependentChangeRate : options.changeLimit.unsure;
    return {
      stratum,
      items,
      changed,
      changeRate: items === 0 ? 0 : changed / items,
      upperBound,
      lowerBound,
      limit,
      stopsAfterRound1: stratum === 'sure' ? sureStops : sureStops && lowerBound <= limit,
      ...(stratum === 'sure' ? { test } : {}),
    };
  });
}
