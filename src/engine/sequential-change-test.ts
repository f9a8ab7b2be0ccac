/**
 * A sequential probability ratio test on round-2 changes of sure answers: is the model *stable*
 * (a sure answer changes label in another order with probability `stableRate`) or *order-dependent*
 * (with probability `unstableRate`)? Every sure pilot item adds the log of the ratio of its
 * likelihood under the two: a change adds log(unstable / stable), a repeat log((1 - unstable) /
 * (1 - stable)). The test decides as soon as the sum leaves the band between its two thresholds,
 * set from `risk`, the chance of each kind of wrong verdict (Wald's approximation); inside the band
 * it wants more items.
 */
export interface SequentialTestOptions {
  stableRate: number;
  unstableRate: number;
  risk: number;
}

export type SequentialVerdict = 'stable' | 'order-dependent' | 'undecided';

export interface SequentialEvidence {
  items: number;
  changed: number;
  /** The summed log-likelihood ratio, order-dependent over stable. */
  logLikelihoodRatio: number;
  /** At or below: stable. */
  stableAt: number;
  /** At or above: order-dependent. */
  orderDependentAt: number;
  verdict: SequentialVerdict;
}

export function sequentialChangeTest(
  items: number,
  changed: number,
  options: SequentialTestOptions,
): SequentialEvidence {
  const { stableRate, unstableRate, risk } = options;
  const perChange = Math.log(unstableRate / stableRate);
  const perRepeat = Math.log((1 - unstableRate) / (1 - stableRate));
  const logLikelihoodRatio = changed * perChange + (items - changed) * perRepeat;
  const stableAt = Math.log(risk / (1 - risk));
  const orderDependentAt = Math.log((1 - risk) / risk);
  const verdict =
    logLikelihoodRatio <= stableAt
      ? 'stable'
      : logLikelihoodRatio >= orderDependentAt
        ? 'order-dependent'
        : 'undecided';
  return { items, changed, logLikelihoodRatio, stableAt, orderDependentAt, verdict };
}
