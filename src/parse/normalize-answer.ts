import { normalizeLabelText, type WithAnswerSpace } from '../task/task-schema.js';
import { readNumber } from './read-number.js';

export type Answer = string | number;

interface LabelLookup {
  exact: Map<string, string>;
  /** All spellings, longest first, so that `not entailment` is tried before `entailment`. */
  spellings: { text: string; label: string }[];
}

const lookups = new WeakMap<WithAnswerSpace, LabelLookup>();

function labelLookup(task: WithAnswerSpace): LabelLookup {
  const cached = lookups.get(task);
  if (cached) return cached;
  const exact = new Map<string, string>();
  if (task.answer.type === 'labels') {
    for (const label of task.answer.labels) {
      for (const spelling of [label.value, ...label.aliases])
        exact.set(normalizeLabelText(spelling), label.value);
    }
  }
  const spellings = [...exact.entries()]
    .map(([text, label]) => ({ text, label }))
    .sort((left, right) => right.text.length - left.text.length);
  const lookup = { exact, spellings };
  lookups.set(task, lookup);
  return lookup;
}

const leadingWords = /^(?:the )?(?:answer|label|class|prediction|result)(?: is)?\s+/;

/**
 * Reads a model's answer text (or a gold value) as one of the task's answers, or `undefined` when
 * it is not one. Numbers are read in the forms people write (`$1,800`, `18 dollars`, `-4.5`; see
 * `read-number.ts`), so `18`, `18.0` and `$18` are the same answer. Labels match their value or an
 * alias, ignoring case, markup and punctuation; a label followed by an explanation (`yes, because
 * ...`) is read as that label, but a label followed by another answer (`entailment: no`, `yes or
 * no`) is read as nothing.
 */
export function normalizeAnswer(task: WithAnswerSpace, raw: unknown): Answer | undefined {
  if (raw === null || raw === undefined) return undefined;
  const text =
    typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : '';
  const answer = task.answer;
  if (answer.type === 'number') {
    // Never rounded, not even for whole-number tasks: 17.5 for a gold 18 is a wrong answer, and
    // rounding would score it right.
    return readNumber(text);
  }
  if (answer.type === 'text') {
    const words = text.replace(/\s+/g, ' ').trim().split(' ').filter(Boolean);
    return words.length === 0 ? undefined : words.slice(0, answer.maxWords).join(' ');
  }
  const lookup = labelLookup(task);
  let normalized = normalizeLabelText(text);
  if (normalized.length === 0) return undefined;
  const exact = lookup.exact.get(normalized);
  if (exact !== undefined) return exact;
  normalized = normalized.replace(leadingWords, '');
  const afterLeadingWords = lookup.exact.get(normalized);
  if (afterLeadingWords !== undefined) return afterLeadingWords;
  for (const { text: spelling, label } of lookup.spellings) {
    // Single letters and digits are too easy to find by accident inside prose.
    if (spelling.length < 2) continue;
    if (normalized === spelling) return label;
    if (!normalized.startsWith(`${spelling} `)) continue;
    // `entailment: no` names two answers: which one the model meant is a guess, so it is neither.
    const rest = normalized.slice(spelling.length + 1).replace(connectingWords, '');
    return startsWithOtherAnswer(lookup, label, rest) ? undefined : label;
  }
  return undefined;
}

const connectingWords = /^(?:(?:or|and|vs|versus|then|but|i e|ie)\s+)*/;

/** Words that answer a question whatever the task's labels are called. */
const answerWords = ['yes', 'no', 'true', 'false'];

function startsWithOtherAnswer(lookup: LabelLookup, label: string, rest: string): boolean {
  const startsWith = (spelling: string) => rest === spelling || rest.startsWith(`${spelling} `);
  for (const { text: spelling, label: other } of lookup.spellings) {
    if (other !== label && startsWith(spelling)) return true;
  }
  return answerWords.some((word) => lookup.exact.get(word) !== label && startsWith(word));
}
