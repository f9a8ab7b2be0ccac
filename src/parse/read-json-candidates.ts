import type { WithAnswerSpace as Task } from '../task/task-schema.js';
import { normalizeAnswer } from './normalize-answer.js';
import { type ReplyCandidate, splitConfidence } from './reply-candidate.js';

/*
 * JSON replies: a list of entries, `{"answers": [...]}`, or an object keyed by index, whole or
 * cut off. Each entry becomes a candidate with the index and code(s) it was given; which
 * candidates count is decided elsewhere.
 */

function readConfidentFlag(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string')
    return splitConfidence(value).confident || value.trim().toLowerCase() === 'true';
  return false;
}

/**
 * `3`, `"3"`, `"Input 3"`, `"3 k9q2"` (the id asked for) or `"3 (k9q2)"`; never `""`, `"0x1"`,
 * `-1`, `2.5` or `"3k9q2"`, whose digits could belong to either part.
 */
const idTextPattern =
  /^\s*(?:(?:input|item)\s*#?\s*)?(\d+)(?:\s*\(\s*([A-Za-z0-9]+)\s*\)|\s+([A-Za-z0-9]+))?\s*$/i;

/** The item number an entry's id names, and the batch code it carries, if any. */
export function readEntryId(rawId: unknown): { index: number; tag: string | undefined } | undefined {
  if (typeof rawId === 'number') {
    return Number.isSafeInteger(rawId) && rawId >= 0 ? { index: rawId, tag: undefined } : undefined;
  }
  if (typeof rawId !== 'string') return undefined;
  const match = idTextPattern.exec(rawId);
  if (!match) return undefined;
  return { index: Number(match[1]), tag: match[2] ?? match[3] };
}

/** `not_entailment sure`, `42 unsure`: an answer that ends in its confidence word, as asked. */
const trailingConfidence = /\s+(not sure|unsure|sure)\s*$/i;

/**
 * The answer and confidence of an entry. Entries of earlier versions give the confidence as a
 * field of its own (`"confident": true`); entries now end the answer with the word, which counts
 * only at the very end (`yes, not sure why` is no confidence word), and a missing word is not
 * confident.
 */
function readEntryAnswer(record: Record<string, unknown>): { rawAnswer: unknown; confident: boolean } {
  const rawAnswer = record.answer ?? record.label;
  const flag = record.confident ?? record.confidence;
  if (flag !== undefined || typeof rawAnswer !== 'string') {
    return { rawAnswer, confident: readConfidentFlag(flag) };
  }
  const trailing = trailingConfidence.exec(rawAnswer);
  if (trailing === null) return { rawAnswer, confident: false };
  return {
    rawAnswer: rawAnswer.slice(0, trailing.index),
    confident: trailing[1]!.toLowerCase() === 'sure',
  };
}

function entryToCandidate(task: Task, entry: unknown): ReplyCandidate | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const record = entry as Record<string, unknown>;
  const id = readEntryId(record.id ?? record.index ?? record.input);
  // An entry without a readable id is never assigned to an item by its place in the list.
  if (id === undefined) return undefined;
  const rawCode = record.code ?? record.tag;
  const code = typeof rawCode === 'string' ? rawCode.trim() : undefined;
  // A code in the entry and another in its id: the entry belongs to no batch for certain.
  const tag =
    code !== undefined && id.tag !== undefined && code.toLowerCase() !== id.tag.toLowerCase()
      ? `${code}|${id.tag}`
      : (code ?? id.tag);
  const { rawAnswer, confident } = readEntryAnswer(record);
  return {
    source: 'json',
    index: id.index,
    tag,
    rawAnswer: typeof rawAnswer === 'string' ? rawAnswer : JSON.stringify(rawAnswer ?? null),
    answer: normalizeAnswer(task, rawAnswer),
    confident,
  };
}

/** The batch codes one answer was given (container, key, entry), as one tag; disagreeing ones never match. */
function combineCodes(codes: readonly (string | undefined)[]): string | undefined {
  const given = codes.filter((code): code is string => code !== undefined);
  if (given.length === 0) return undefined;
  const distinct = [...new Set(given.map((code) => code.toLowerCase()))];
  return distinct.length === 1 ? given[0] : given.join('|');
}

function readCode(value: unknown): string | undefined {
  return typeof value === 'string' ? value.trim() : undefined;
}

const codeKeys = new Set(['code', 'tag']);

/**
 * An object keyed by index, `{"0 (k9q2)": "yes", "1 (k9q2)": {"answer": "no"}}`: one candidate per
 * key, or undefined when some key is not an index (then it is no such object). Each answer's code
 * comes from its key, its value or the object around it (`{"code": "k9q2", "answers": {...}}`);
 * codes that disagree tie the answer to no batch.
 */
function keyedCandidates(
  task: Task,
  map: Record<string, unknown>,
  containerCode: string | undefined,
): ReplyCandidate[] | undefined {
  const keys = Object.keys(map);
  if (keys.length === 0) return undefined;
  const candidates: ReplyCandidate[] = [];
  for (const key of keys) {
    const id = readEntryId(key);
    if (id === undefined) return undefined;
    const value = map[key];
    let rawAnswer: unknown = value;
    let confident = false;
    let entryCode: string | undefined;
    if (typeof value === 'string') {
      const split = splitConfidence(value);
      rawAnswer = split.rest;
      confident = split.confident;
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      rawAnswer = record.answer ?? record.label;
      confident = readConfidentFlag(record.confident ?? record.confidence);
      entryCode = readCode(record.code ?? record.tag);
    }
    candidates.push({
      source: 'json',
      index: id.index,
      tag: combineCodes([containerCode, id.tag, entryCode]),
      rawAnswer: typeof rawAnswer === 'string' ? rawAnswer.trim() : JSON.stringify(rawAnswer ?? null),
      answer: normalizeAnswer(task, rawAnswer),
      confident,
    });
  }
  return candidates;
}

/** Every candidate a parsed JSON value holds: a list of entries, `{answers: [...]}`, or keyed by index. */
function valueCandidates(task: Task, value: unknown): ReplyCandidate[] | undefined {
  if (Array.isArray(value)) return value.flatMap((entry) => entryToCandidate(task, entry) ?? []);
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const containerCode = readCode(record.code ?? record.tag);
  const answers = record.answers;
  if (Array.isArray(answers)) return answers.flatMap((entry) => entryToCandidate(task, entry) ?? []);
  if (typeof answers === 'object' && answers !== null) {
    return keyedCandidates(task, answers as Record<string, unknown>, containerCode);
  }
  if ('id' in record || 'index' in record || 'input' in record) return undefined;
  const rest = Object.fromEntries(Object.entries(record).filter(([key]) => !codeKeys.has(key)));
  return keyedCandidates(task, rest, containerCode);
}

/**
 * Whether some object in JSON text names a key twice. `JSON.parse` keeps the last silently, so
 * such an object could hide a second answer for an index or a second id for an entry.
 */
export function hasDuplicateKeys(json: string): boolean {
  const stack: (Set<string> | undefined)[] = [];
  let position = 0;
  while (position < json.length) {
    const char = json[position];
    if (char === '"') {
      let end = position + 1;
      while (end < json.length && json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      let after = end + 1;
      while (after < json.length && /\s/.test(json[after]!)) after += 1;
      const keys = stack.at(-1);
      if (json[after] === ':' && keys !== undefined) {
        let key = json.slice(position + 1, end);
        try {
          key = JSON.parse(json.slice(position, end + 1)) as string;
        } catch {
          // keep the raw text as the key
        }
        if (keys.has(key)) return true;
        keys.add(key);
      }
      position = end + 1;
      continue;
    }
    if (char === '{') stack.push(new Set());
    else if (char === '[') stack.push(undefined);
    else if (char === '}' || char === ']') stack.pop();
    position += 1;
  }
  return false;
}

function markDuplicates(candidates: ReplyCandidate[], json: string): ReplyCandidate[] {
  if (candidates.length === 0 || !hasDuplicateKeys(json)) return candidates;
  return candidates.map((candidate) => ({ ...candidate, duplicateKey: true }));
}

export function readJsonCandidates(task: Task, text: string): ReplyCandidate[] {
  const unfenced = text.replace(/```[a-zA-Z]*\n?/g, '');
  const start = unfenced.search(/[[{]/);
  if (start >= 0) {
    const end = Math.max(unfenced.lastIndexOf('}'), unfenced.lastIndexOf(']'));
    const slice = unfenced.slice(start, end + 1);
    try {
      const found = valueCandidates(task, JSON.parse(slice) as unknown);
      if (found) return markDuplicates(found, slice);
    } catch {
      // A truncated or damaged reply: fall through and keep the entries that are whole.
    }
  }
  const candidates: ReplyCandidate[] = [];
  for (const match of unfenced.matchAll(/\{[^{}]*\}/g)) {
    try {
      const value: unknown = JSON.parse(match[0]);
      const entry = entryToCandidate(task, value);
      const found = entry
        ? [entry]
        : typeof value === 'object' && value !== null && !Array.isArray(value)
          ? (valueCandidates(task, value) ?? [])
          : [];
      candidates.push(...markDuplicates(found, match[0]));
    } catch {
      // not a whole entry
    }
  }
  return candidates;
}
