import { escapeHtml } from './escape-html.js';
import { htmlTable } from './html-table.js';
import type { OutputScoresInput } from './report-input.js';
import type { RunView } from './report-runs.js';
import { scoresBlock } from './review-sections.js';

const percent = (value: number | null | undefined) =>
  value === null || value === undefined ? '-' : `${(value * 100).toFixed(1)}%`;

/** One output's block: its accuracy, then per-class scores (one answer) or F1 per label (a set). */
function outputBlock(score: OutputScoresInput): string {
  const heading = `<h3>${escapeHtml(score.output)}</h3>`;
  const accuracy = `<p>Accuracy <strong>${percent(score.accuracy)}</strong> (${score.correct} of ${score.scored} items with a gold answer for this output${score.labels === undefined ? '' : ', the whole set right'}).</p>`;
  if (score.confusion !== undefined) return `${heading}${accuracy}${scoresBlock(score.confusion)}`;
  if (score.labels !== undefined) {
    const labels = htmlTable(
      ['label', 'items with it (gold)', 'answered with it', 'both', 'F1'],
      score.labels.map((label) => [
        label.label,
        label.support,
        label.predicted,
        label.truePositives,
        percent(label.f1),
      ]),
    );
    return `${heading}${accuracy}<p>Mean Jaccard index of answer and gold sets <strong>${percent(score.jaccard)}</strong>.</p>${labels}`;
  }
  return `${heading}${accuracy}`;
}

/**
 * A section per output of a task with outputs: each output scored against its own gold answers
 * (accuracy, per-class figures, kappa and the confusion matrix of a one-answer output; F1 per label
 * and the Jaccard index of a multi-choice one), one collapsible block per run. Nothing for a task
 * with one answer, whose report stays as it was.
 */
export function outputsSection(runs: readonly RunView[]): string {
  const scored = runs.filter((run) => run.outputs !== undefined && run.outputs.length > 0);
  if (scored.length === 0) return '';
  const blocks = scored
    .map((run, index) => {
      const outputs = run.outputs!;
      const summary = htmlTable(
        ['output', 'accuracy', 'items scored'],
        outputs.map((score) => [score.output, percent(score.accuracy), score.scored]),
      );
      const body = outputs
        .map(
          (score) =>
            `<section class="output" id="output-${escapeHtml(score.output)}">${outputBlock(score)}</section>`,
        )
        .join('');
      return `<details${index === scored.length - 1 ? ' open' : ''}><summary>${escapeHtml(run.name)}: rows with every output right ${percent(run.accuracy)}</summary>${summary}${body}</details>`;
    })
    .join('');
  return `<section id="outputs"><h2>Scores by output</h2><p>Each output of the task scored against its own gold answers. A run's accuracy elsewhere in this report counts the rows with every output right.</p>${blocks}</section>`;
}
