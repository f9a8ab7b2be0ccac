import { escapeHtml } from './escape-html.js';
import { htmlDefinitionList, htmlTable } from './html-table.js';
import type { RunView } from './report-runs.js';

function percentText(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** The adaptive rule's pilot, per run that used it: what it measured and what it decided. */
export function adaptiveSection(runs: readonly RunView[]): string {
  const adaptive = runs.filter((run) => run.adaptive !== undefined);
  if (adaptive.length === 0) return '';
  const blocks = adaptive.map((run) => {
    const figures = run.adaptive!;
    const strata = htmlTable(
      [
        'round-1 answers',
        'pilot items',
        'changed label in round 2',
        'rate',
        'changed label or tag',
        'decision',
      ],
      figures.strata.map((stratum) => [
        stratum.stratum,
        stratum.items,
        stratum.changed,
        percentText(stratum.changeRate),
        stratum.moved ?? '',
        `${stratum.stopsAfterRound1 ? 'stop after round 1' : 'go on under SEAS'}${
          stratum.limit === undefined
            ? ''
            : ` (label-change lower bound (${percentText(figures.confidence)}) ${percentText(stratum.lowerBound ?? 0)}; goes on above ${percentText(stratum.limit)})`
        }`,
      ]),
    );
    const test =
      figures.test === undefined
        ? ''
        : `<p>Sequential test: ${escapeHtml(figures.test.verdict)} (log-likelihood ratio ${figures.test.logLikelihoodRatio.toFixed(2)} over ${figures.test.sure.items} sure and ${figures.test.unsure.items} unsure pilot answers; stable at &lt;= ${figures.test.stableAt.toFixed(2)}, order-dependent at &gt;= ${figures.test.orderDependentAt.toFixed(2)}).</p>`;
    const probes =
      figures.probes.length === 0
        ? `<p>No larger batch was tried${figures.growthSkipped === undefined ? '' : `: ${escapeHtml(figures.growthSkipped)}`}.</p>`
        : htmlTable(
            [
              'batch size tried',
              'asked by',
              'answers asked again',
              'repeated',
              'disagreement upper bound',
              'limit',
              'verdict',
            ],
            figures.probes.map((probe) => [
              probe.batchSize,
              // The pilot's call of a larger size is kept unless its answers clearly change label
              // (the lower bound); a later probe only while they clearly do not (the upper bound).
              probe.askedBy === 'pilot'
                ? 'the pilot (sure round-1 answers; kept on a stable verdict unless the lower bound passes the limit)'
                : 'a probe (settled answers; kept while the upper bound is within the limit)',
              probe.anchors,
              probe.agreed,
              percentText(probe.disagreementUpperBound),
              percentText(probe.limit),
              probe.accepted ? 'accepted' : 'rejected',
            ]),
          );
    const facts = htmlDefinitionList([
      ['pilot items (round 2 before the test decided)', String(figures.pilotItems)],
      ['batch size, start -> final', `${figures.startBatchSize} -> ${figures.finalBatchSize}`],
      ['items stopped after round 1 by the decision', String(figures.stoppedAfterRound1)],
      ['items stopped as unsure and agreeing', String(figures.stoppedByUnsureCap)],
      ...(run.roundsPerItem === undefined
        ? []
        : [['rounds per item', run.roundsPerItem.toFixed(2)] as [string, string]]),
      ['decision', figures.decision],
    ]);
    return `<h3>${escapeHtml(run.name)}</h3>${facts}${test}${strata}${probes}`;
  });
  return `<section id="adaptive"><h2>Adaptive rule: what the pilot measured</h2><p>Every item of the first window takes round 1; round 2 starts as SEAS's would, one call at a time, and after each call a sequential test on the sure answers asks whether their labels move between orders. A stable model's sure answers stop after round 1, and its unsure ones too unless they clearly move; an order-dependent model, or one still undecided when round 2 is complete, runs exactly as BPE+SEAS. A larger batch is tried on settled pilot answers when it would pay, and kept while they repeat.</p>${blocks.join('')}</section>`;
}
