import { describe, expect, it } from 'vitest';
import { renderReport } from './render-report.js';
import { parseReportInput } from './report-input.js';

/** A comparison whose adaptive run tried 100 in its pilot (kept) and 200 in a later probe (rejected). */
function comparisonWithProbes(): string {
  const adaptive = {
    pilotItems: 64,
    confidence: 0.9,
    strata: [
      { stratum: 'sure', items: 50, changed: 0, changeRate: 0, upperBound: 0.045, stopsAfterRound1: true },
    ],
    decision: 'stable: sure answers stop after round 1',
    startBatchSize: 32,
    finalBatchSize: 100,
    probes: [
      {
        batchSize: 100,
        anchors: 16,
        agreed: 16,
        disagreementUpperBound: 0.093,
        limit: 0.05,
        accepted: true,
        askedBy: 'pilot',
      },
      { batchSize: 200, anchors: 40, agreed: 36, disagreementUpperBound: 0.19, limit: 0.05, accepted: false },
    ],
    stoppedAfterRound1: 250,
    stoppedByUnsureCap: 3,
  };
  return JSON.stringify({
    model: 'sim:frontier',
    simulated: true,
    task: 'rte',
    items: 277,
    strategies: [
      {
        name: 'adaptive',
        batchSize: 32,
        rounds: 5,
        voting: 'weighted',
        accuracy: 0.93,
        calls: 9,
        inputTokens: 20_000,
        outputTokens: 3_000,
        answered: 277,
        failed: 0,
        adaptive,
      },
    ],
  });
}

describe('the adaptive section of a report', () => {
  it('says which size the pilot asked and which a probe, each with the rule that kept or refused it', () => {
    const html = renderReport(parseReportInput(comparisonWithProbes(), 'summary.json'));
    const section = html.slice(html.indexOf('<section id="adaptive">'));
    const rows = section.split('<tr>').filter((row) => /<td>(100|200)<\/td>/.test(row));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain(
      'the pilot (sure round-1 answers; kept on a stable verdict unless the lower bound passes the limit)',
    );
    expect(rows[0]).toContain('accepted');
    expect(rows[1]).toContain('a probe (settled answers; kept while the upper bound is within the limit)');
    expect(rows[1]).toContain('rejected');
  });
});
