/**
 * A sequential probability ratio test on the pilot's round-2 answers: is the model *stable* or
 * *order-dependent*? An answer *moves* when round 2, in another order, gives it another label or
 * another confidence tag than round 1 did. Under each hypothesis an answer moves with a known
 * probability, one for answers tagged sure in round 1 and one for those tagged unsure: a stable
 * model's sure answers rarely move and its unsure ones mostly stay unsure; an order-dependent
 * model's slips depend on where an item sits, so they move, and an unsure answer comes back sure.
 * Every pilot item adds the log of the ratio of its likelihood under the two (order-dependent over
 * stable). The thresholds are set from `risk`, the chance of each kind of wrong verdict (Wald's
 * approximation). The model is order-dependent as soon as the sum over all answers reaches the
 * upper threshold; it is stable once that sum reaches the lower one while neither kind of answer
 * on its own (the sum over the sure, or over the unsure ones) has reached the upper. A model whose
 * sure answers move while its unsure ones stay fits neither hypothesis, and the second rule keeps
 * the unsure answers from outvoting the sure. Otherwise the test wants more items.
 */
export interface StratumRates {
  sure: number;
  unsure: number;
}

export interface SequentialTestOptions {
  /** P(an answer moves) for a stable model, by its round-1 tag. */
  stableRate: StratumRates;
  /** P(an answer moves) for an order-dependent model, by its round-1 tag. */
  unstableRate: StratumRates;
  risk: number;
}

/** Pilot items of one round-1 tag with a vote in both rounds, and how many of them moved. */
export interface MoveCount {
  items: number;
  moved: number;
}

export type SequentialVerdict = 'stable' | 'order-dependent' | 'undecided';

export interface SequentialEvidence {
  sure: MoveCount;
  unsure: MoveCount;
  /** The summed log-likelihood ratio, order-dependent over stable. */
  logLikelihoodRatio: number;
  /** The same sums over the sure and over the unsure answers alone. */
  byStratum: StratumRates;
  /** At or below: stable. */
  stableAt: number;
  /** At or above: order-dependent. */
  orderDependentAt: number;
  verdict: SequentialVerdict;
}

function stratumSum(count: MoveCount, stable: number, unstable: number): number {
  const perMove = Math.log(unstable / stable);
  const perRepeat = Math.log((1 - unstable) / (1 - stable));
  return count.moved * perMove + (count.items - count.moved) * perRepeat;
}

export function sequentialChangeTest(
  counts: { sure: MoveCount; unsure: MoveCount },
  options: SequentialTestOptions,
): SequentialEvidence {
  const { stableRate, unstableRate, risk } = options;
  const byStratum = {
    sure: stratumSum(counts.sure, stableRate.sure, unstableRate.sure),
    unsure: stratumSum(counts.unsure, stableRate.unsure, unstableRate.unsure),
  };
  const logLikelihoodRatio = byStratum.sure + byStratum.unsure;
  const stableAt = Math.log(risk / (1 - risk));
  const orderDependentAt = Math.log((1 - risk) / risk);
  const verdict =
    logLikelihoodRatio >= orderDependentAt
      ? 'order-dependent'
      : logLikelihoodRatio <= stableAt && Math.max(byStratum.sure, byStratum.unsure) < orderDependentAt
        ? 'stable'
        : 'undecided';
  return {
    sure: { items: counts.sure.items, moved: counts.sure.moved },
    unsure: { items: counts.unsure.items, moved: counts.unsure.moved },
    logLikelihoodRatio,
    byStratum,
    stableAt,
    orderDependentAt,
    verdict,
  };
}
