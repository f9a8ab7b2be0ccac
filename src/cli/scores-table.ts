import Table from 'cli-table3';
import type { ConfusionScores } from '../eval/score-confusion.js';

function share(value: number | null): string {
  return value === null ? '-' : value.toFixed(3);
}

/**
 * Per-class precision, recall and F1, Cohen's kappa and the confusion matrix, as text tables.
 * `plain`: no colour codes (files, pipes, NO_COLOR).
 */
export function scoresTable(scores: ConfusionScores, plain: boolean): string {
  const style = plain ? { style: { head: [], border: [] } } : {};
  const perClass = new Table({
    ...style,
    head: ['gold label', 'items', 'answered as', 'precision', 'recall', 'F1'],
  });
  for (const score of scores.perClass) {
    perClass.push([
      score.label,
      score.support,
      score.predicted,
      share(score.precision),
      share(score.recall),
      share(score.f1),
    ]);
  }
  const matrix = new Table({ ...style, head: ['gold \\ answer', ...scores.matrix.labels, '(no answer)'] });
  scores.matrix.labels.forEach((label, index) => {
    matrix.push([label, ...(scores.matrix.counts[index] ?? [])]);
  });
  return [
    `Cohen's kappa ${share(scores.kappa)}; macro F1 ${share(scores.macroF1)}; accuracy ${share(scores.accuracy)} over ${scores.items} labelled items`,
    perClass.toString(),
    'confusion matrix (rows: gold answer, columns: the answer given)',
    matrix.toString(),
  ].join('\n');
}
