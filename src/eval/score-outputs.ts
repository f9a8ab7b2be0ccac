import type { ItemResult } from '../engine/types.js';
import type { MultiOutputTask, TaskOutput } from '../task/task-schema.js';
import { type ConfusionScores, scoreConfusion } from './score-confusion.js';

/*
 * The scores of a task with several outputs, each output against its own gold answers: accuracy,
 * and for a single-choice output its per-class figures and Cohen's kappa (`scoreConfusion`); for
 * a multi-choice output exact-set accuracy, F1 per label and the mean Jaccard index of answer and
 * gold sets. The row's exact match (every output right) is the run's own accuracy.
 */

/** One label of a multi-choice output: how often it was in the answer, in the gold set, in both. */
export interface LabelScore {
  label: string;
  support: number;
  predicted: number;
  truePositives: number;
  f1: number | null;
}

export interface OutputScores {
  output: string;
  /** Items with a gold answer for this output. */
  scored: number;
  correct: number;
  accuracy: number | null;
  /** Single-choice outputs: the confusion matrix, per-class figures and kappa. */
  confusion?: ConfusionScores;
  /** Multi-choice outputs: F1 per label, and the mean Jaccard index of answer and gold sets. */
  labels?: LabelScore[];
  jaccard?: number | null;
}

interface Tally {
  scored: number;
  correct: number;
  /** Single choice: counts[gold][answer], the last column for no answer. */
  counts?: number[][];
  /** Multi-choice: per label [support, predicted, both]; the sum of Jaccard indexes. */
  labelCounts?: Map<string, [number, number, number]>;
  jaccardSum: number;
}

function labelValues(output: TaskOutput): string[] {
  return output.answer.type === 'labels' ? output.answer.labels.map((label) => label.value) : [];
}

function isMultipleChoice(output: TaskOutput): boolean {
  return output.answer.type === 'labels' && output.answer.multiple;
}

/** Gathers each output's scores one result at a time, as `ResultsAnalyzer` gathers a run's. */
export class OutputsScorer {
  readonly #tallies = new Map<string, Tally>();

  constructor(readonly task: MultiOutputTask) {
    for (const output of task.outputs) {
      const labels = labelValues(output);
      const tally: Tally = { scored: 0, correct: 0, jaccardSum: 0 };
      if (isMultipleChoice(output)) tally.labelCounts = new Map(labels.map((label) => [label, [0, 0, 0]]));
      else if (labels.length > 0)
        tally.counts = labels.map(() => new Array<number>(labels.length + 1).fill(0));
      this.#tallies.set(output.name, tally);
    }
  }

  add(result: ItemResult): void {
    for (const output of this.task.outputs) {
      const scored = result.outputs?.[output.name];
      if (scored?.gold === undefined || scored.gold === null) continue;
      const tally = this.#tallies.get(output.name)!;
      tally.scored += 1;
      if (scored.correct) tally.correct += 1;
      if (tally.counts !== undefined) {
        const labels = labelValues(output);
        const gold = labels.indexOf(String(scored.gold));
        const answer = scored.answer === null ? labels.length : labels.indexOf(String(scored.answer));
        if (gold >= 0) tally.counts[gold]![answer < 0 ? labels.length : answer]! += 1;
      }
      if (tally.labelCounts !== undefined) {
        const gold = new Set(Array.isArray(scored.gold) ? scored.gold : []);
        const answer = new Set(Array.isArray(scored.answer) ? scored.answer : []);
        for (const [label, counts] of tally.labelCounts) {
          if (gold.has(label)) counts[0] += 1;
          if (answer.has(label)) counts[1] += 1;
          if (gold.has(label) && answer.has(label)) counts[2] += 1;
        }
        const union = new Set([...gold, ...answer]).size;
        const both = [...answer].filter((label) => gold.has(label)).length;
        // Two empty sets agree entirely.
        tally.jaccardSum += union === 0 ? 1 : both / union;
      }
    }
  }

  finish(): OutputScores[] {
    return this.task.outputs.map((output) => {
      const tally = this.#tallies.get(output.name)!;
      const scores: OutputScores = {
        output: output.name,
        scored: tally.scored,
        correct: tally.correct,
        accuracy: tally.scored === 0 ? null : tally.correct / tally.scored,
      };
      if (tally.counts !== undefined)
        scores.confusion = scoreConfusion({ labels: labelValues(output), counts: tally.counts });
      if (tally.labelCounts !== undefined) {
        scores.labels = [...tally.labelCounts].map(([label, [support, predicted, truePositives]]) => ({
          label,
          support,
          predicted,
          truePositives,
          f1: support + predicted === 0 ? null : (2 * truePositives) / (support + predicted),
        }));
        scores.jaccard = tally.scored === 0 ? null : tally.jaccardSum / tally.scored;
      }
      return scores;
    });
  }
}

/** The scores as lines of text, one per output, for the command line. */
export function describeOutputScores(scores: readonly OutputScores[]): string[] {
  const percent = (value: number | null | undefined) =>
    value === null || value === undefined ? 'n/a' : `${(value * 100).toFixed(1)}%`;
  return scores.map((score) => {
    const parts = [
      `output ${score.output}: accuracy ${percent(score.accuracy)} (${score.correct}/${score.scored})`,
    ];
    if (score.confusion !== undefined) {
      parts.push(
        `macro F1 ${percent(score.confusion.macroF1)}`,
        `kappa ${score.confusion.kappa === null ? 'n/a' : score.confusion.kappa.toFixed(3)}`,
      );
    }
    if (score.labels !== undefined) {
      parts.push(
        `Jaccard ${percent(score.jaccard)}`,
        `F1 per label ${score.labels.map((label) => `${label.label} ${percent(label.f1)}`).join(', ')}`,
      );
    }
    return parts.join('; ');
  });
}
