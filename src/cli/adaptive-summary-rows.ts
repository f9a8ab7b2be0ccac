import type { AdaptiveSummary } from '../engine/types.js';

/** The adaptive rule's pilot figures and decisions as rows of a summary table. */
export function adaptiveSummaryRows(adaptive: AdaptiveSummary): [string, string][] {
  const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
  const rows: [string, string][] = [['adaptive: pilot items (rounds 1 and 2)', String(adaptive.pilotItems)]];
  for (const stratum of adaptive.strata) {
    rows.push([
      `adaptive: ${stratum.stratum} answers changed in round 2`,
      `${stratum.changed}/${stratum.items} (${percent(stratum.changeRate)}; ${percent(adaptive.confidence)} upper bound ${percent(stratum.upperBound)}, limit ${percent(stratum.limit)}) -> ${stratum.stopsAfterRound1 ? 'stop after round 1' : 'go on under SEAS'}`,
    ]);
  }
  for (const probe of adaptive.probes) {
    rows.push([
      `adaptive: batch of ${probe.batchSize} tried`,
      `${probe.agreed}/${probe.anchors} settled answers repeated (disagreement bound ${percent(probe.disagreementUpperBound)}, limit ${percent(probe.limit)}) -> ${probe.accepted ? 'accepted' : 'rejected'}`,
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
