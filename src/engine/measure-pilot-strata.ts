import type { ItemState } from './item-state.js';
import type { ResolvedAdaptiveOptions, StratumFigures } from './types.js';
import { wilsonUpperBound } from './wilson-upper-bound.js';

/**
 * How often round 2 gave another label than round 1, among pilot items whose round-1 answer was
 * tagged sure, and among those tagged unsure; items without both votes are left out. A stratum
 * may stop after round 1 when the upper confidence bound of its change rate is within its limit:
 * the bound, not the rate, so that a small pilot with no change proves little. Unsure answers may
 * stop only if sure ones do too: a model whose sure answers move depends on order, and a few
 * unchanged unsure answers are not evidence against that.
 */
export function measurePilotStrata(
  pilot: readonly ItemState[],
  options: ResolvedAdaptiveOptions,
): StratumFigures[] {
  const strata = (['sure', 'unsure'] as const).map((stratum): StratumFigures => {
    let items = 0;
    let changed = 0;
    for (const state of pilot) {
      const first = state.votes.find((vote) => vote.round === 1);
      const second = state.votes.find((vote) => vote.round === 2);
      if (!first || !second || first.confident !== (stratum === 'sure')) continue;
      items += 1;
      if (String(first.answer) !== String(second.answer)) changed += 1;
    }
    const upperBound = wilsonUpperBound(changed, items, options.confidence);
    const limit = options.changeLimit[stratum];
    return {
      stratum,
      items,
      changed,
      changeRate: items === 0 ? 0 : changed / items,
      upperBound,
      limit,
      stopsAfterRound1: items > 0 && upperBound <= limit,
    };
  });
  const [sure, unsure] = strata as [StratumFigures, StratumFigures];
  if (!sure.stopsAfterRound1) unsure.stopsAfterRound1 = false;
  return strata;
}
