import { createHash } from 'node:crypto';
import { roundFigures } from '../eval/round-figures.js';
import { adaptiveSection } from './adaptive-section.js';
import { escapeHtml } from './escape-html.js';
import { htmlDefinitionList, htmlTable as table } from './html-table.js';
import { outputsSection } from './outputs-section.js';
import { renderCheckScript } from './render-check-script.js';
import type { ReportInput, RunDetailsInput } from './report-input.js';
import { type RunView, runsOf } from './report-runs.js';
import { reportStyles } from './report-styles.js';
import { reviewSection, scoresSection } from './review-sections.js';
import { barChart, formatShare, type LineChartOptions, type LineSeries, lineChart } from './svg-charts.js';
import { unsettledSection } from './unsettled-section.js';

export interface RenderReportOptions {
  /** Shown in the footer: where the figures came from. */
  sourceFile?: string;
  /** @default new Date() */
  generatedAt?: Date;
}

function accuracyText(accuracy: number | null | undefined): string {
  return accuracy === null || accuracy === undefined ? 'no gold labels' : formatShare(accuracy);
}

function simulatedBanner(input: ReportInput): string {
  if (!input.data.simulated) return '';
  return `<p class="simulated" role="alert"><strong>SIMULATED MODEL</strong> Every figure in this report comes from <code>${escapeHtml(input.data.model)}</code>, a simulated model calibrated to published or measured results. It is a test double, not a real LLM: these figures say nothing new about any real model.</p>`;
}

function summarySection(input: ReportInput, runs: readonly RunView[]): string {
  const data = input.data;
  const simulated = data.simulated ? 'yes: simulated model, not a real LLM' : 'no';
  let rows: [string, string][];
  if (input.kind === 'run') {
    const run = input.data;
    rows = [
      ['Model', run.model],
      ['Simulated', simulated],
      ['Task', run.task ?? 'not recorded in this run summary'],
      ['Run id', run.runId],
      ['Items', String(run.items)],
      [
        'Answered / unanswered / failed / invalid',
        `${run.answered} / ${run.unanswered} / ${run.failed} / ${run.invalid}`,
      ],
      ['Calls made (cache hits)', `${run.calls} (${run.cacheHits})`],
      ['Tokens in / out (this invocation)', `${run.inputTokens} / ${run.outputTokens}`],
      ...(run.cachedInputTokens === undefined
        ? []
        : [
            [
              'Input tokens read / written by the prompt cache (this invocation)',
              `${run.cachedInputTokens} / ${run.cacheWriteTokens ?? 0}`,
            ] as [string, string],
          ]),
      ['Tokens in / out (whole run)', `${run.totalInputTokens} / ${run.totalOutputTokens}`],
      [
        'Estimated cost',
        run.estimatedCostUsd === null ? 'no price for this model' : `$${run.estimatedCostUsd.toFixed(4)}`,
      ],
      ['Wall time', `${(run.wallMs / 1000).toFixed(1)} s`],
      ['Accuracy vs gold', accuracyText(run.accuracy)],
      ['Resumed', run.resumed ? 'yes' : 'no'],
    ];
  } else {
    rows = [
      ['Model', data.model],
      ['Simulated', simulated],
      ['Task', input.data.task],
      ['Items', String(data.items)],
    ];
    if (input.kind === 'eval') {
      const run = runs[0]!;
      rows.push(
        ['Strategy', `${run.name} (batch ${run.batchSize}, ${run.rounds} rounds, ${run.voting} vote)`],
        ['Calls', String(run.calls)],
        ['Tokens in / out', `${run.inputTokens} / ${run.outputTokens}`],
        ['Answered / without answer', `${run.answered} / ${run.withoutAnswer}`],
        ['Accuracy vs gold', accuracyText(run.accuracy)],
      );
      if (input.data.wallMs !== undefined)
        rows.push(['Wall time', `${(input.data.wallMs / 1000).toFixed(1)} s`]);
    }
  }
  const strategies =
    input.kind === 'comparison'
      ? table(
          [
            'strategy',
            'batch',
            'rounds',
            'voting',
            'accuracy',
            'calls',
            'input tokens',
            'output tokens',
            'answered',
            'without answer',
          ],
          runs.map((run) => [
            run.name,
            run.batchSize ?? '-',
            run.rounds ?? '-',
            run.voting ?? '-',
            accuracyText(run.accuracy),
            run.calls,
            run.inputTokens,
            run.outputTokens,
            run.answered,
            run.withoutAnswer,
          ]),
        )
      : '';
  return `<section id="summary"><h2>Summary</h2>${htmlDefinitionList(rows)}${strategies}</section>`;
}

function unavailable(input: ReportInput): string {
  if (input.kind === 'run') {
    return '<p class="unavailable">Not available: this run summary has no <code>details</code> (it was written by a batchprompt older than this report). Run the same <code>run --json</code> again: it replays from the cache at no cost and writes them.</p>';
  }
  return '<p class="unavailable">Not available: this file has no <code>details</code> (it was written by a batchprompt older than <code>report</code>). Run <code>eval --json</code> again to get them.</p>';
}

/** Runs with details, keeping each run's place in the input so its colour is the same in every chart. */
function withDetails(
  runs: readonly RunView[],
): { run: RunView; details: RunDetailsInput; colorIndex: number }[] {
  return runs.flatMap((run, colorIndex) =>
    run.details === undefined ? [] : [{ run, details: run.details, colorIndex }],
  );
}

function roundTicks(detailed: ReturnType<typeof withDetails>): { value: number; label: string }[] {
  const last = Math.max(1, ...detailed.flatMap(({ details }) => details.byRound.map((round) => round.round)));
  return Array.from({ length: last }, (_, index) => ({ value: index + 1, label: String(index + 1) }));
}

function roundsSection(input: ReportInput, runs: readonly RunView[]): string {
  const detailed = withDetails(runs);
  const heading = '<h2>Accuracy and tokens by round</h2>';
  if (detailed.length === 0) return `<section id="rounds">${heading}${unavailable(input)}</section>`;
  const ticks = roundTicks(detailed);
  const accuracySeries: LineSeries[] = detailed.map(({ run, details, colorIndex }) => ({
    name: run.name,
    colorIndex,
    points: details.byRound.flatMap((round) =>
      round.accuracy === null
        ? []
        : [
            {
              x: round.round,
              y: round.accuracy,
              title: `after round ${round.round}: ${formatShare(round.accuracy)}`,
            },
          ],
    ),
  }));
  const tokenSeries: LineSeries[] = detailed.map(({ run, details, colorIndex }) => {
    let spent = 0;
    return {
      name: run.name,
      colorIndex,
      points: details.byRound.map((round) => {
        spent += round.inputTokens + round.outputTokens;
        return { x: round.round, y: spent, title: `by the end of round ${round.round}: ${spent} tokens` };
      }),
    };
  });
  const accuracyChart = accuracyChartOr(
    {
      id: 'chart-accuracy-by-round',
      title: 'Accuracy of the vote over rounds 1..r',
      xLabel: 'round',
      yLabel: 'accuracy',
      xTicks: ticks,
      series: accuracySeries,
    },
    'No accuracy: the data has no gold labels.',
  );
  const tokenChart = lineChart({
    id: 'chart-tokens-by-round',
    title: 'Tokens spent (input + output) by the end of round r',
    xLabel: 'round',
    yLabel: 'tokens',
    xTicks: ticks,
    yKind: 'count',
    series: tokenSeries,
  });
  const rows = detailed.flatMap(({ run, details }) =>
    details.byRound.map((round) => [run.name, ...roundFigures(round), accuracyText(round.accuracy)]),
  );
  const numbers = `<details><summary>The numbers</summary>${table(
    [
      'strategy',
      'round',
      'active items',
      'calls',
      'input tokens',
      'output tokens',
      'stopped early',
      'accuracy after round',
    ],
    rows,
  )}</details>`;
  return `<section id="rounds">${heading}<p>Accuracy if the run had stopped after round r (the votes of rounds 1..r, recounted), and what the rounds up to r cost. Later rounds of BPE re-ask every item in a new order; SEAS lets items that were answered confidently twice leave.</p><div class="charts">${accuracyChart}${tokenChart}</div>${numbers}</section>`;
}

/** A chart of accuracies where any series has a point; otherwise a line that says why there is none. */
function accuracyChartOr(options: Omit<LineChartOptions, 'yKind'>, unavailableText: string): string {
  return options.series.some((series) => series.points.length > 0)
    ? lineChart({ ...options, yKind: 'share' })
    : `<p class="unavailable">${unavailableText}</p>`;
}

function positionSection(input: ReportInput, runs: readonly RunView[]): string {
  const detailed = withDetails(runs);
  const heading = '<h2>Accuracy by position in the batch</h2>';
  if (detailed.length === 0) return `<section id="position">${heading}${unavailable(input)}</section>`;
  // One item per call has no position to speak of: such runs are listed, not plotted.
  const plotted = detailed.filter(({ details }) => details.byPosition.length > 1);
  const unplotted = detailed
    .filter(({ details }) => details.byPosition.length <= 1)
    .map(({ run }) => run.name);
  const series: LineSeries[] = plotted.map(({ run, details, colorIndex }) => ({
    name: run.name,
    colorIndex,
    points: details.byPosition.flatMap((bucket) =>
      bucket.votes === 0
        ? []
        : [
            {
              x: (bucket.from + bucket.to) / 2,
              y: bucket.correct / bucket.votes,
              title: `${(bucket.from * 100).toFixed(0)}-${(bucket.to * 100).toFixed(0)}% into the batch: ${bucket.correct} of ${bucket.votes} votes correct (${formatShare(bucket.correct / bucket.votes)})`,
            },
          ],
    ),
  }));
  const note =
    unplotted.length > 0
      ? `<p class="note">Not plotted (one item per call, so no position effect): ${escapeHtml(unplotted.join(', '))}.</p>`
      : '';
  const chart = accuracyChartOr(
    {
      id: 'chart-accuracy-by-position',
      title: 'Accuracy of single votes by relative position in the batch',
      xLabel: 'position in the batch (share of the batch before the item)',
      yLabel: 'accuracy of votes',
      xTicks: [0, 0.25, 0.5, 0.75, 1].map((value) => ({ value, label: `${value * 100}%` })),
      series,
    },
    'No votes on items with gold labels in batches of more than one item.',
  );
  return `<section id="position">${heading}<p>Every vote of every round on an item with a gold label, by where the item stood in its batch (position divided by batch size, in buckets). Models tend to answer worse in the middle of long batches.</p>${chart}${note}</section>`;
}

function confidenceSection(input: ReportInput, runs: readonly RunView[]): string {
  const detailed = withDetails(runs);
  const heading = '<h2>Confidence and correctness</h2>';
  if (detailed.length === 0) return `<section id="confidence">${heading}${unavailable(input)}</section>`;
  // Colours unlike the first strategies' so that confidence is not read as a strategy.
  const kinds = [
    { key: 'confident', label: 'confident votes', colorIndex: 5 },
    { key: 'notConfident', label: 'not-confident votes', colorIndex: 4 },
  ] as const;
  const categories = detailed.map(({ run, details }) => ({
    label: run.name,
    bars: kinds.flatMap((kind, series) => {
      const count = details.confidence[kind.key];
      return count.votes === 0
        ? []
        : [
            {
              series,
              value: count.correct / count.votes,
              title: `${run.name}, ${kind.label}: ${count.correct} of ${count.votes} correct`,
            },
          ];
    }),
  }));
  const hasVotes = categories.some((category) => category.bars.length > 0);
  const chart = hasVotes
    ? barChart({
        id: 'chart-confidence',
        title: 'Accuracy of votes the model marked confident, and of the rest',
        yLabel: 'accuracy of votes',
        series: kinds.map((kind) => ({ name: kind.label, colorIndex: kind.colorIndex })),
        categories,
      })
    : '<p class="unavailable">No votes on items with gold labels.</p>';
  const rows = detailed.map(({ run, details }) => {
    const { confident, notConfident } = details.confidence;
    const total = confident.votes + notConfident.votes;
    return [
      run.name,
      total === 0 ? '-' : formatShare(confident.votes / total),
      `${confident.correct} / ${confident.votes}`,
      confident.votes === 0 ? '-' : formatShare(confident.correct / confident.votes),
      `${notConfident.correct} / ${notConfident.votes}`,
      notConfident.votes === 0 ? '-' : formatShare(notConfident.correct / notConfident.votes),
    ];
  });
  return `<section id="confidence">${heading}<p>Weighted voting counts a confident vote fully and the others at 0.2, and SEAS stops on confident agreement: both pay off only when confident votes are the more accurate.</p>${chart}${table(
    [
      'strategy',
      'votes marked confident',
      'confident: correct / votes',
      'accuracy',
      'not confident: correct / votes',
      'accuracy',
    ],
    rows,
  )}</section>`;
}

const knownRoles = new Set(['system', 'user', 'assistant']);

function sampleSection(input: ReportInput, runs: readonly RunView[]): string {
  const detailed = withDetails(runs);
  const heading = '<h2>One batch as sent</h2>';
  if (detailed.length === 0) return `<section id="sample">${heading}${unavailable(input)}</section>`;
  const samples = detailed.flatMap(({ run, details }) =>
    details.sampleBatch === null ? [] : [{ run, sample: details.sampleBatch }],
  );
  if (samples.length === 0)
    return `<section id="sample">${heading}<p class="unavailable">No call was recorded.</p></section>`;
  const blocks = samples
    .map(({ run, sample }, index) => {
      const messages = sample.messages
        .map((message, position) => {
          // The role is data too: it picks a style only when it is one of the known roles.
          const roleClass = knownRoles.has(message.role) ? message.role : 'other';
          return `<div class="message role-${roleClass}"><div class="role">${position + 1}. ${escapeHtml(message.role)}</div><pre>${escapeHtml(message.content)}</pre></div>`;
        })
        .join('');
      const reply =
        sample.reply === null
          ? `<div class="message reply failed"><div class="role">reply: the call failed</div><pre>${escapeHtml(sample.error ?? 'no reply')}</pre></div>`
          : `<div class="message reply"><div class="role">reply${sample.finishReason === undefined ? '' : ` (finish reason: ${escapeHtml(sample.finishReason)})`}</div><pre>${escapeHtml(sample.reply)}</pre></div>`;
      return `<details${index === 0 ? ' open' : ''}><summary>${escapeHtml(run.name)}: the first call of round 1, ${sample.messages.length} messages and the reply</summary>${messages}${reply}</details>`;
    })
    .join('');
  return `<section id="sample">${heading}<p>The messages exactly as the model received them (system message, worked examples as a user and an assistant turn, then the batch), and the model's reply as it came back.</p>${blocks}</section>`;
}

function titleOf(input: ReportInput): string {
  const task = input.data.task;
  const parts = [
    'batchprompt report',
    task,
    input.data.model,
    input.data.simulated ? 'SIMULATED' : undefined,
  ];
  return parts.filter((part) => part !== undefined).join(' · ');
}

/**
 * The report as one HTML document that needs nothing else: styles inline, charts as static SVG,
 * no fonts or scripts from elsewhere. A Content-Security-Policy allows only the one script by its
 * hash, so markup that escaped into the page from the data could not run even if escaping failed.
 */
export function renderReport(input: ReportInput, options: RenderReportOptions = {}): string {
  const runs = runsOf(input);
  const scriptHash = createHash('sha256').update(renderCheckScript).digest('base64');
  const policy = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'; img-src data:; base-uri 'none'; form-action 'none'`;
  const generatedAt = (options.generatedAt ?? new Date()).toISOString();
  const kindText = {
    comparison: 'a comparison of strategies (eval --compare --json)',
    eval: 'one evaluated run (eval --json)',
    run: 'a run summary (run --json)',
  }[input.kind];
  const footer = `<footer>Made by <code>batchprompt report</code> at ${escapeHtml(generatedAt)} from ${kindText}${options.sourceFile === undefined ? '' : `: <code>${escapeHtml(options.sourceFile)}</code>`}.</footer>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(policy)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(titleOf(input))}</title>
<style>${reportStyles}</style>
</head>
<body>
<main>
<h1>${escapeHtml(titleOf(input))}</h1>
${simulatedBanner(input)}
${summarySection(input, runs)}
${roundsSection(input, runs)}
${positionSection(input, runs)}
${confidenceSection(input, runs)}
${outputsSection(runs)}
${scoresSection(withDetails(runs), unavailable(input))}
${adaptiveSection(runs)}
${reviewSection(withDetails(runs), unavailable(input))}
${unsettledSection(runs, input.kind)}
${sampleSection(input, runs)}
${footer}
<pre id="render-check" hidden></pre>
</main>
<script>${renderCheckScript}</script>
</body>
</html>
`;
}
