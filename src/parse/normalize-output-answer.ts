import { noLabelsWord } from '../task/check-task-outputs.js';
import { normalizeLabelText, type TaskOutput } from '../task/task-schema.js';
import { answersMatch } from './answers-match.js';
import { type Answer, normalizeAnswer } from './normalize-answer.js';

/**
 * One output's answer: a label, number or text as `Answer`, or for a multi-choice output the set of
 * its labels, in the order the task lists them (the empty set is `[]`).
 */
export type OutputAnswer = Answer | readonly string[];

/** Words that join the labels of a set in prose: `refund and deadline`, `refund/deadline`, `refund + deadline`. */
const setSeparators = /\s*(?:,|;|\/|\+|&|\band\b)\s*/i;

function labelOrder(output: TaskOutput): Map<string, number> {
  const space = output.answer;
  return new Map(space.type === 'labels' ? space.labels.map((label, index) => [label.value, index]) : []);
}

/**
 * A multi-choice answer as a set of labels: a list, or a text of labels separated by commas (or
 * `and`, `/`, `+`), or `none` (or an empty list) for no label. Undefined when any part is not one
 * of the output's labels, or the set holds fewer than `min` or more than `max` labels: a set with a
 * part unread could be missing a label, so none of it is used.
 */
function readLabelSet(output: TaskOutput, raw: unknown): readonly string[] | undefined {
  const space = output.answer;
  if (space.type !== 'labels') return undefined;
  let parts: unknown[];
  if (Array.isArray(raw)) parts = raw;
  else if (typeof raw === 'string') {
    const text = raw.trim();
    const normalized = normalizeLabelText(text);
    parts = normalized === noLabelsWord || normalized === '' ? [] : text.split(setSeparators);
  } else return undefined;
  const labels = new Set<string>();
  for (const part of parts) {
    if (typeof part === 'string' && normalizeLabelText(part) === noLabelsWord && parts.length === 1) continue;
    const label = normalizeAnswer(output, part);
    if (typeof label !== 'string') return undefined;
    labels.add(label);
  }
  const min = space.min ?? 1;
  const max = space.max ?? space.labels.length;
  if (labels.size < min || labels.size > max) return undefined;
  const order = labelOrder(output);
  return [...labels].sort((left, right) => (order.get(left) ?? 0) - (order.get(right) ?? 0));
}

/**
 * Reads a reply's answer (or a gold value) for one output, or undefined when it is not one the
 * output allows. Single answers read as `normalizeAnswer` reads them; multi-choice answers as a set.
 */
export function normalizeOutputAnswer(output: TaskOutput, raw: unknown): OutputAnswer | undefined {
  const space = output.answer;
  if (space.type === 'labels' && space.multiple) return readLabelSet(output, raw);
  return normalizeAnswer(output, raw);
}

/** A stable text key of an output answer, for tallies and comparisons: a set as its labels joined by `,`. */
export function outputAnswerKey(answer: OutputAnswer): string {
  return typeof answer === 'object' ? answer.join(',') : String(answer);
}

/** Whether an output's answer counts as its gold answer: sets hold the same labels, the rest as `answersMatch` says. */
export function outputAnswersMatch(
  output: TaskOutput,
  answer: OutputAnswer | null | undefined,
  gold: OutputAnswer | null | undefined,
): boolean {
  if (isLabelSet(answer) || isLabelSet(gold)) {
    return isLabelSet(answer) && isLabelSet(gold) && outputAnswerKey(answer) === outputAnswerKey(gold);
  }
  return answersMatch(output, answer, gold);
}

function isLabelSet(answer: OutputAnswer | null | undefined): answer is readonly string[] {
  return Array.isArray(answer);
}
