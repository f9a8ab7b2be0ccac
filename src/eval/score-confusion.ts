/**
 * Counts of gold answer against given answer. `counts[g][a]` is how many items with gold
 * `labels[g]` were answered `labels[a]`; the extra last column counts items left without an answer.
 */
export interface ConfusionMatrix {
  labels: string[];
  counts: number[][];
}

export interface ClassScore {
  label: string;
  /** Items whose gold answer is this label. */
  support: number;
  /** Items answered with this label. */
  predicted: number;
  truePositives: number;
  /** Null when nothing was answered with this label. */
  precision: number | null;
  /** Null when no item has this gold label. */
  recall: number | null;
  /**
   * 0 when the class was never predicted or is never the gold answer (its precision or recall is
   * then taken as 0, as in the usual definition of macro F1), also for a label with neither.
   */
  f1: number;
}

export interface ConfusionScores {
  matrix: ConfusionMatrix;
  /** Items counted: every item with a gold answer, answered or not. */
  items: number;
  accuracy: number | null;
  perClass: ClassScore[];
  /**
   * Mean F1 over every label of the matrix (every label of the task, and any other gold answer
   * or answer): a class never predicted counts with F1 0 and so lowers the mean, as it does
   * accuracy, also when no item has it as gold. Null only for a matrix without labels.
   */
  macroF1: number | null;
  /**
   * Cohen's kappa between gold and answers: agreement beyond what the two label frequencies give
   * by chance. An item without an answer disagrees with every gold label. Null when chance
   * agreement is already 1 (a single label on both sides), where kappa is undefined.
   */
  kappa: number | null;
}

/** Per-class precision, recall and F1, macro F1, accuracy and Cohen's kappa of a confusion matrix. */
export function scoreConfusion(matrix: ConfusionMatrix): ConfusionScores {
  const size = matrix.labels.length;
  const row = (gold: number) => matrix.counts[gold] ?? [];
  const cell = (gold: number, answer: number) => row(gold)[answer] ?? 0;
  let items = 0;
  let agreed = 0;
  const goldTotals = matrix.labels.map((_, gold) => {
    let total = 0;
    for (let answer = 0; answer <= size; answer += 1) total += cell(gold, answer);
    return total;
  });
  const answerTotals = matrix.labels.map((_, answer) => {
    let total = 0;
    for (let gold = 0; gold < size; gold += 1) total += cell(gold, answer);
    return total;
  });
  for (let gold = 0; gold < size; gold += 1) {
    items += goldTotals[gold]!;
    agreed += cell(gold, gold);
  }
  const perClass = matrix.labels.map((label, index): ClassScore => {
    const truePositives = cell(index, index);
    const support = goldTotals[index]!;
    const predicted = answerTotals[index]!;
    const precision = predicted === 0 ? null : truePositives / predicted;
    const recall = support === 0 ? null : truePositives / support;
    // A class never predicted, or predicted but never gold, misses items it should have had (or
    // took items it should not have): F1 0, so that leaving a class out lowers macro F1. A label
    // of the task that no item has as gold and none was answered with scores 0 as well: the
    // mean is over the task's labels, not over those a sample happened to contain.
    const f1 =
      precision === null || recall === null || precision + recall === 0
        ? 0
        : (2 * precision * recall) / (precision + recall);
    return { label, support, predicted, truePositives, precision, recall, f1 };
  });
  let kappa: number | null = null;
  if (items > 0) {
    const observed = agreed / items;
    let chance = 0;
    for (let index = 0; index < size; index += 1)
      chance += (goldTotals[index]! / items) * (answerTotals[index]! / items);
    kappa = chance >= 1 ? null : (observed - chance) / (1 - chance);
  }
  return {
    matrix,
    items,
    accuracy: items === 0 ? null : agreed / items,
    perClass,
    macroF1: size === 0 ? null : perClass.reduce((sum, score) => sum + score.f1, 0) / size,
    kappa,
  };
}
