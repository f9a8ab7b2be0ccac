import type { Task } from '../task/task-schema.js';
import { type Answer, normalizeAnswer } from './normalize-answer.js';

export interface ParsedAnswer {
  answer: Answer;
  confident: boolean;
}

export type ItemProblemKind = 'missing' | 'conflicting' | 'unparseable' | 'numbering';

export interface ItemProblem {
  index: number;
  kind: ItemProblemKind;
  detail: string;
}

export interface ParsedReply {
  /** One slot per item of the batch, by index; `undefined` where there is no usable answer. */
  answers: (ParsedAnswer | undefined)[];
  /** Why each item without an answer has none. */
  problems: ItemProblem[];
  /** Indices the reply used that are not in the batch. */
  outOfRange: number[];
  /** Answer-like lines that were not used: a wrong batch code, or no code where others had it. */
  ignoredLines: number;
}

export interface ParseReplyOptions {
  format: 'lines' | 'json';
  expectedCount: number;
  /** The batch code the reply must echo; answers with another code are ignored. */
  tag?: string;
}

interface Candidate {
  index: number;
  tag: string | undefined;
  rawAnswer: string;
  answer: Answer | undefined;
  confident: boolean;
}

const negativeConfidence =
  /[([]?\s*\b(?:not confident|not sure|unsure|unconfident|uncertain|low confidence|less confident)\b\s*[)\]]?/i;
const positiveConfidence = /[([]?\s*\b(?:confident|sure|certain|high confidence)\b\s*[)\]]?/i;

function splitConfidence(text: string): { rest: string; confident: boolean } {
  const negative = negativeConfidence.exec(text);
  if (negative) return { rest: text.replace(negative[0], ' '), confident: false };
  const positive = positiveConfidence.exec(text);
  if (positive) return { rest: text.replace(positive[0], ' '), confident: true };
  // No tag at all counts as not confident: early stopping must never rest on a missing tag.
  return { rest: text, confident: false };
}

/**
 * Matches `Input 3 (k9q): yes (sure)` and the usual variations: `Label for Input 3:`, `**Input 3**
 * - yes`, `[3] yes`, `#3: yes`, `3: yes`, `3) yes`. Group 1 is the index, 2 or 3 the batch code.
 */
const answerLinePattern =
  /^(?:(?:label|answer|result|prediction)s?\s+(?:for|of|to)\s+)?(?:(?:input|item|question|example|q)\s*#?\s*(\d+)|#\s*(\d+)|\[(\d+)\]|(\d+)(?=\s*[:.)\]=\-–—(]))\s*(?:\(\s*([A-Za-z0-9]+)\s*\)|\[\s*([A-Za-z0-9]+)\s*\])?\s*[:.)\]=\-–—]?\s*(.*)$/i;

function cleanLine(line: string): string {
  let cleaned = line.trim();
  if (cleaned.startsWith('|')) {
    const cells = cleaned
      .split('|')
      .map((cell) => cell.trim())
      .filter((cell) => cell.length > 0);
    if (cells.every((cell) => /^:?-{2,}:?$/.test(cell))) return '';
    const [first, ...rest] = cells;
    cleaned = `${first ?? ''}: ${rest.join(' ')}`;
  }
  return cleaned
    .replace(/^(?:[>*+•]\s*|-\s+)+/, '')
    .replace(/\*\*|__|`/g, '')
    .trim();
}

function readLineCandidates(task: Task, text: string): Candidate[] {
  const candidates: Candidate[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const line = cleanLine(rawLine);
    if (line.length === 0 || line.startsWith('```')) continue;
    const match = answerLinePattern.exec(line);
    if (!match) continue;
    const indexText = match[1] ?? match[2] ?? match[3] ?? match[4];
    if (indexText === undefined) continue;
    const body = match[7] ?? '';
    const { rest, confident } = splitConfidence(body);
    candidates.push({
      index: Number(indexText),
      tag: match[5] ?? match[6],
      rawAnswer: body.trim(),
      answer: normalizeAnswer(task, rest),
      confident,
    });
  }
  return candidates;
}

function readConfidentFlag(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string')
    return splitConfidence(value).confident || value.trim().toLowerCase() === 'true';
  return false;
}

function entryToCandidate(task: Task, entry: unknown): Candidate | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const record = entry as Record<string, unknown>;
  const rawId = record.id ?? record.index ?? record.input;
  const index =
    typeof rawId === 'number' ? rawId : typeof rawId === 'string' ? Number(rawId.trim()) : Number.NaN;
  // An entry without a readable id is never assigned to an item by its place in the list.
  if (!Number.isInteger(index)) return undefined;
  const rawAnswer = record.answer ?? record.label;
  return {
    index,
    tag: typeof record.tag === 'string' ? record.tag : undefined,
    rawAnswer: typeof rawAnswer === 'string' ? rawAnswer : JSON.stringify(rawAnswer ?? null),
    answer: normalizeAnswer(task, rawAnswer),
    confident: readConfidentFlag(record.confident ?? record.confidence),
  };
}

function readJsonCandidates(task: Task, text: string): Candidate[] {
  const unfenced = text.replace(/```[a-zA-Z]*\n?/g, '');
  const start = unfenced.search(/[[{]/);
  if (start >= 0) {
    const end = Math.max(unfenced.lastIndexOf('}'), unfenced.lastIndexOf(']'));
    try {
      const value: unknown = JSON.parse(unfenced.slice(start, end + 1));
      const list = Array.isArray(value)
        ? value
        : typeof value === 'object' &&
            value !== null &&
            Array.isArray((value as { answers?: unknown }).answers)
          ? (value as { answers: unknown[] }).answers
          : undefined;
      if (list) return list.flatMap((entry) => entryToCandidate(task, entry) ?? []);
    } catch {
      // A truncated or damaged reply: fall through and keep the entries that are whole.
    }
  }
  const candidates: Candidate[] = [];
  for (const match of unfenced.matchAll(/\{[^{}]*\}/g)) {
    try {
      const candidate = entryToCandidate(task, JSON.parse(match[0]));
      if (candidate) candidates.push(candidate);
    } catch {
      // not a whole entry
    }
  }
  return candidates;
}

/**
 * Reads a reply into one answer per item, matched by the index the model wrote, never by the
 * order of the lines. Items with no usable answer are listed with the reason; when the reply's
 * numbering is off (indices outside the batch while some inside are missing, as when a model
 * counts from 1), no answer of the reply is used, because none can be attributed with certainty.
 */
export function parseReply(task: Task, text: string, options: ParseReplyOptions): ParsedReply {
  const { expectedCount, tag } = options;
  let candidates =
    options.format === 'json' ? readJsonCandidates(task, text) : readLineCandidates(task, text);
  if (options.format === 'json' && candidates.length === 0) candidates = readLineCandidates(task, text);
  else if (options.format === 'lines' && candidates.length === 0 && /[[{]/.test(text))
    candidates = readJsonCandidates(task, text);

  let ignoredLines = 0;
  if (tag !== undefined) {
    const anyTagged = candidates.some((candidate) => candidate.tag === tag);
    candidates = candidates.filter((candidate) => {
      const usable = candidate.tag === tag || (candidate.tag === undefined && !anyTagged);
      if (!usable) ignoredLines += 1;
      return usable;
    });
  }

  const byIndex = new Map<number, Candidate[]>();
  const outOfRange = new Set<number>();
  for (const candidate of candidates) {
    if (candidate.index < 0 || candidate.index >= expectedCount) {
      outOfRange.add(candidate.index);
      continue;
    }
    const list = byIndex.get(candidate.index);
    if (list) list.push(candidate);
    else byIndex.set(candidate.index, [candidate]);
  }

  const answers: (ParsedAnswer | undefined)[] = new Array(expectedCount).fill(undefined);
  const problems: ItemProblem[] = [];
  const numberingOff = outOfRange.size > 0 && byIndex.size < expectedCount;
  for (let index = 0; index < expectedCount; index += 1) {
    const list = byIndex.get(index);
    if (numberingOff) {
      problems.push({
        index,
        kind: 'numbering',
        detail: `reply used indices outside 0..${expectedCount - 1} (${[...outOfRange].slice(0, 5).join(', ')}) and missed some inside; no answer could be attributed safely`,
      });
      continue;
    }
    if (!list) {
      problems.push({ index, kind: 'missing', detail: 'no answer for this index' });
      continue;
    }
    const readable = list.filter((candidate) => candidate.answer !== undefined);
    if (readable.length === 0) {
      const raw = (list[0]?.rawAnswer ?? '').slice(0, 80);
      problems.push({
        index,
        kind: 'unparseable',
        detail: `could not read an answer from ${JSON.stringify(raw)}`,
      });
      continue;
    }
    const distinct = new Set(readable.map((candidate) => String(candidate.answer)));
    if (distinct.size > 1) {
      problems.push({
        index,
        kind: 'conflicting',
        detail: `answered more than once with different answers: ${[...distinct].join(', ')}`,
      });
      continue;
    }
    const first = readable[0]!;
    answers[index] = { answer: first.answer!, confident: readable.every((candidate) => candidate.confident) };
  }
  return { answers, problems, outOfRange: [...outOfRange].sort((a, b) => a - b), ignoredLines };
}
