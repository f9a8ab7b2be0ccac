import type { AdaptiveSummary } from '../engine/types.js';

/** The adaptive rule's pilot figures and decisions as rows of a summary table. */
export function adaptiveSummaryRows(adaptive: AdaptiveSummary): [string, string][] {
  const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
  const rows: [string, string][] = [
    ['adaptive: pilot items (round 2 before the test decided)', String(adaptive.pilotItems)],
  ];
  const test = adaptive.test;
  if (test !== undefined) {
    rows.push([
      'adaptive: sequential test (stable or order-dependent)',
      `${test.verdict}: log-likelihood ratio ${test.logLikelihoodRatio.toFixed(2)} over ${test.sure.items} sure and ${test.unsure.items} unsure answers, stable at <= ${test.stableAt.toFixed(2)}, order-dependent at >= ${test.orderDependentAt.toFixed(2)}`,
    ]);
  }
  for (const stratum of adaptive.strata) {
    const bound =
      stratum.limit === undefined
        ? ''
        : `; label-change ${percent(adaptive.confidence)} lower bound ${percent(stratum.lowerBound)}, goes on above ${percent(stratum.limit)}`;
    rows.push([
      `adaptive: ${stratum.stratum} answers in round 2`,
      `${stratum.changed}/${stratum.items} changed label (${percent(stratum.changeRate)}), ${stratum.moved}/${stratum.items} changed label or tag${bound} -> ${stratum.stopsAfterRound1 ? 'stop after round 1' : 'go on under SEAS'}`,
    ]);
  }
  for (const probe of adaptive.probes) {
    rows.push([
      `adaptive: batch of ${probe.batchSize} tried`,
      probe.askedBy === 'pilot'
        ? `${probe.agreed}/${probe.anchors} sure pilot answers repeated their label in it (kept on a stable verdict unless the disagreement's lower bound passes ${percent(probe.limit)}) -> ${probe.accepted ? 'accepted' : 'rejected'}`
        : `${probe.agreed}/${probe.anchors} settled answers repeated (disagreement bound ${percent(probe.disagreementUpperBound)}, limit ${percent(probe.limit)}) -> ${probe.accepted ? 'accepted' : 'rejected'}`,
    ]);
  }
  if (adaptive.growthSkipped !== undefined)
    rows.push(['adaptive: no larger batch tried', adaptive.growthSkipped]);
  rows.push(
    ['adaptive: batch size start -> final', `${adaptive.startBatchSize} -> ${adaptive.finalBatchSize}`],
    ['adaptive: stopped after round 1 by the pilot', String(adaptive.stoppedAfterRound1)],
    ['adaptive: stopped as unsure and agreeing', String(adaptive.stoppedByUnsureCap)],
  );
  return rows;
}
