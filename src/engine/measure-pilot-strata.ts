import type { ItemState } from './item-state.js';
import { type MoveCount, sequentialChangeTest } from './sequential-change-test.js';
import type { ResolvedAdaptiveOptions, StratumFigures } from './types.js';
import { wilsonLowerBound, wilsonUpperBound } from './wilson-upper-bound.js';

interface StratumCount extends MoveCount {
  /** Of `items`, those whose round-2 label differs from round 1's. */
  changed: number;
}

/**
 * Pilot items whose round-1 answer had the given tag and that have a vote in round 2: how many
 * changed label, and how many moved (changed label or tag).
 */
function countChanges(pilot: readonly ItemState[], sure: boolean): StratumCount {
  let items = 0;
  let changed = 0;
  let moved = 0;
  for (const state of pilot) {
    const first = state.votes.find((vote) => vote.round === 1);
    const second = state.votes.find((vote) => vote.round === 2);
    if (!first || !second || first.confident !== sure) continue;
    items += 1;
    const labelChanged = String(first.answer) !== String(second.answer);
    if (labelChanged) changed += 1;
    if (labelChanged || first.confident !== second.confident) moved += 1;
  }
  return { items, changed, moved };
}

/** The sequential test on the pilot answers so far, sure and unsure ones together. */
export function testPilotAnswers(pilot: readonly ItemState[], options: ResolvedAdaptiveOptions) {
  return sequentialChangeTest(
    { sure: countChanges(pilot, true), unsure: countChanges(pilot, false) },
    {
      stableRate: options.stableChangeRate,
      unstableRate: options.orderDependentChangeRate,
      risk: options.risk,
    },
  );
}

/**
 * The pilot's figures by round-1 tag, and which strata stop after round 1. Both stop only when
 * the sequential test calls the model stable. Unsure answers of a stable model then stop too,
 * unless their labels clearly change: the Wilson lower bound of their label-change rate above
 * `unsureChangeLimit` keeps them voting. The burden of proof is on changing, since a pilot holds
 * a handful of unsure answers, and on a stable model another round of an unsure answer mostly
 * repeats it.
 */
export function measurePilotStrata(
  pilot: readonly ItemState[],
  options: ResolvedAdaptiveOptions,
): { strata: StratumFigures[]; test: ReturnType<typeof testPilotAnswers> } {
  const test = testPilotAnswers(pilot, options);
  const stable = test.verdict === 'stable';
  const strata = (['sure', 'unsure'] as const).map((stratum): StratumFigures => {
    const { items, changed, moved } = countChanges(pilot, stratum === 'sure');
    const upperBound = wilsonUpperBound(changed, items, options.confidence);
    const lowerBound = wilsonLowerBound(changed, items, options.confidence);
    return {
      stratum,
      items,
      changed,
      moved,
      changeRate: items === 0 ? 0 : changed / items,
      upperBound,
      lowerBound,
      ...(stratum === 'unsure' ? { limit: options.unsureChangeLimit } : {}),
      stopsAfterRound1: stratum === 'sure' ? stable : stable && lowerBound <= options.unsureChangeLimit,
    };
  });
  return { strata, test };
}
