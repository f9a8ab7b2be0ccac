import type { Task } from '../task/task-schema.js';
import { isolateFinalAnswers } from './isolate-final-answers.js';
import { type Answer, normalizeAnswer } from './normalize-answer.js';

export interface ParsedAnswer {
  answer: Answer;
  confident: boolean;
}

export type ItemProblemKind = 'missing' | 'conflicting' | 'unparseable' | 'numbering' | 'mixed';

/**
 * What kept a reply, or part of it, from being attributed: named so that a re-ask can tell the
 * model which convention failed.
 */
export type ReplyIssueKind =
  | 'no-answers'
  | 'foreign-code'
  | 'no-code'
  | 'mixed-formats'
  | 'numbering-from-1'
  | 'numbering-out-of-range'
  | 'numbering-gap'
  | 'unreadable'
  | 'repeated'
  | 'conflicting'
  | 'missing';

export interface ReplyIssue {
  kind: ReplyIssueKind;
  detail: string;
}

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
  /**
   * How the reply was numbered: `zero-based` as asked, `one-based` when every index 1..N was
   * written exactly once with the batch code (read shifted by one), `none` when nothing was used.
   */
  numbering: 'zero-based' | 'one-based' | 'none';
  /** The main reason some items got no answer; undefined when every item got one. */
  issue?: ReplyIssue;
  /** Reasoning replies: each item's worked solution, by index, where the reply gave one. */
  reasoning?: Map<number, string>;
}

export interface ParseReplyOptions {
  format: 'lines' | 'json';
  expectedCount: number;
  /** The batch code the reply must echo; answers with another code are ignored. */
  tag?: string;
  /**
   * The reply holds a worked solution before each answer (a task with `reasoning: true`): only
   * the final answer of each item's own block or entry is read (`isolate-final-answers.ts`).
   */
  reasoning?: boolean;
  /** The reply was cut off at the output limit. */
  truncated?: boolean;
}

interface Candidate {
  source: 'line' | 'json';
  index: number;
  tag: string | undefined;
  rawAnswer: string;
  answer: Answer | undefined;
  confident: boolean;
  /** A JSON entry from an object that names a key twice: JSON.parse kept one of them, unseen. */
  duplicateKey?: boolean;
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
  /^(?:(?:label|answer|result|prediction)s?\s+(?:for|of|to)\s+)?(?:(?:input|item|question|example|q)\s*#?\s*(\d+)|#\s*(\d+)|\[(\d+)\]|(\d+)(?=\s*[:.)\]=\-–—(]))\s*(?:\(\s*([A-Za-z0-9]+)\s*\)|\[\s*([A-Za-z0-9]+)\s*\])?\s*([:.)\]=\-–—])?\s*(.*)$/i;

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
  cleaned = cleaned
    .replace(/^(?:[>*+•]\s*|-\s+)+/, '')
    .replace(/\*\*|__|`/g, '')
    .trim();
  // A markdown numbered list around our lines (`1. 0 (k9q2): yes sure`): the list's own number is
  // dropped only when a whole answer header with its code follows, so `1. yes` stays index 1.
  return cleaned.replace(listNumberBeforeHeader, '');
}

const listNumberBeforeHeader = /^\d+[.)]\s+(?=(?:(?:input|item)\s*#?\s*)?\d+\s*[([]\s*[A-Za-z0-9]+\s*[)\]])/i;

/** The cells of a markdown table row, trimmed, without the empty ones its outer pipes leave. */
function tableCells(line: string): string[] {
  return line
    .split('|')
    .map((cell) => cell.replace(/\*\*|__|`/g, '').trim())
    .filter((cell) => cell.length > 0);
}

interface TableHeader {
  width: number;
  indexColumn: number;
  codeColumn: number;
}

const tableIndexCell = /^(?:(?:input|item)\s*#?\s*)?\d+$/i;

/**
 * A table header that names both an index column and a batch-code column (`| Input | Code |
 * Answer |`): its rows carry the code in a column of their own. Any other header is none.
 */
function readTableHeader(cells: readonly string[]): TableHeader | undefined {
  if (cells.some((cell) => /\d/.test(cell))) return undefined;
  const indexColumn = cells.findIndex((cell) => /^(?:input|index|id|item|#|no\.?)$/i.test(cell));
  const codeColumn = cells.findIndex((cell) => /^(?:batch\s*)?code$|^tag$/i.test(cell));
  if (indexColumn < 0 || codeColumn < 0) return undefined;
  return { width: cells.length, indexColumn, codeColumn };
}

/**
 * A table row with the code in its own column, as an answer line `3 (code): rest`: under a header
 * that names the columns and has as many as the row, or without one when the second cell is this
 * batch's code. Undefined for any other row, which is read as before (and carries no code).
 */
function tableRowAsLine(
  cells: readonly string[],
  header: TableHeader | undefined,
  tag: string | undefined,
): string | undefined {
  let indexColumn = 0;
  let codeColumn = 1;
  if (header !== undefined) {
    if (cells.length !== header.width) return undefined;
    ({ indexColumn, codeColumn } = header);
  } else if (tag === undefined || cells.length < 3 || cells[1]?.toLowerCase() !== tag.toLowerCase()) {
    return undefined;
  }
  const indexCell = cells[indexColumn] ?? '';
  const codeCell = cells[codeColumn] ?? '';
  if (!tableIndexCell.test(indexCell) || !/^[A-Za-z0-9]+$/.test(codeCell)) return undefined;
  const rest = cells.filter((_, column) => column !== indexColumn && column !== codeColumn);
  return `${indexCell.replace(/^\D+/, '')} (${codeCell}): ${rest.join(' ')}`;
}

/** `Answer: entailment sure` on the line after a bare item header `Input 3 (code)`. */
const answerOnNextLinePattern = /^(?:final\s+)?(?:answer|label|prediction)\s*[:=\-–—]\s*(\S.*)$/i;

function readLineCandidates(task: Task, text: string, tag: string | undefined): Candidate[] {
  const candidates: Candidate[] = [];
  const rawLines = text.split(/\r?\n/);
  let header: TableHeader | undefined;
  const lines = rawLines.map((rawLine) => {
    const trimmed = rawLine.trim();
    if (!trimmed.startsWith('|')) {
      header = undefined;
      return cleanLine(rawLine);
    }
    const cells = tableCells(trimmed);
    const found = readTableHeader(cells);
    if (found !== undefined) {
      header = found;
      return '';
    }
    const asLine = tableRowAsLine(cells, header, tag);
    return asLine === undefined ? cleanLine(rawLine) : cleanLine(asLine);
  });
  for (let lineIndex = 0; lineIndex < lines.length; lineIndex += 1) {
    const line = lines[lineIndex]!;
    if (line.length === 0 || line.startsWith('```')) continue;
    const match = answerLinePattern.exec(line);
    if (!match) continue;
    const indexText = match[1] ?? match[2] ?? match[3] ?? match[4];
    if (indexText === undefined) continue;
    let body = match[8] ?? '';
    let joined = false;
    if (body.trim().length === 0) {
      // A bare header, `Input 3 (code)` or `Input 3 (code):`, whose answer is the next line's
      // `Answer: ...`: read as one line. The next line names no index, so it answers this one.
      let next = lineIndex + 1;
      while (next < lines.length && lines[next]!.length === 0) next += 1;
      const answerLine = answerOnNextLinePattern.exec(lines[next] ?? '');
      if (answerLine !== null && !answerLinePattern.test(lines[next]!)) {
        body = answerLine[1]!;
        lineIndex = next;
        joined = true;
      }
    }
    const { rest, confident } = splitConfidence(body);
    const answer = normalizeAnswer(task, rest);
    // `Input 0 (k9q2) to Input 15 (k9q2), in order:` mentions an input, it answers nothing: a
    // header with neither a separator nor an answer after it is not an answer line.
    if (match[7] === undefined && !joined && answer === undefined && body.trim().length > 0) continue;
    candidates.push({
      source: 'line',
      index: Number(indexText),
      tag: match[5] ?? match[6],
      rawAnswer: body.trim(),
      answer,
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

/** `3`, `"3"`, `"Input 3"` or `"3 (k9q2)"`; never `""`, `"0x1"`, `-1` or `2.5`. */
const idTextPattern = /^\s*(?:(?:input|item)\s*#?\s*)?(\d+)\s*(?:\(\s*([A-Za-z0-9]+)\s*\))?\s*$/i;

function readEntryId(rawId: unknown): { index: number; tag: string | undefined } | undefined {
  if (typeof rawId === 'number') {
    return Number.isSafeInteger(rawId) && rawId >= 0 ? { index: rawId, tag: undefined } : undefined;
  }
  if (typeof rawId !== 'string') return undefined;
  const match = idTextPattern.exec(rawId);
  if (!match) return undefined;
  return { index: Number(match[1]), tag: match[2] };
}

function entryToCandidate(task: Task, entry: unknown): Candidate | undefined {
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
  const rawAnswer = record.answer ?? record.label;
  return {
    source: 'json',
    index: id.index,
    tag,
    rawAnswer: typeof rawAnswer === 'string' ? rawAnswer : JSON.stringify(rawAnswer ?? null),
    answer: normalizeAnswer(task, rawAnswer),
    confident: readConfidentFlag(record.confident ?? record.confidence),
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
): Candidate[] | undefined {
  const keys = Object.keys(map);
  if (keys.length === 0) return undefined;
  const candidates: Candidate[] = [];
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
function valueCandidates(task: Task, value: unknown): Candidate[] | undefined {
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
function hasDuplicateKeys(json: string): boolean {
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

function markDuplicates(candidates: Candidate[], json: string): Candidate[] {
  if (candidates.length === 0 || !hasDuplicateKeys(json)) return candidates;
  return candidates.map((candidate) => ({ ...candidate, duplicateKey: true }));
}

function readJsonCandidates(task: Task, text: string): Candidate[] {
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
  const candidates: Candidate[] = [];
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

interface Selection {
  chosen: Candidate[];
  /** True when the chosen candidates carry no code: they are read, but only as numbered. */
  untagged: boolean;
  ignored: number;
  issue?: ReplyIssue;
}

/**
 * Keeps the answers that belong to this batch: those that echo its code (in any letter case),
 * from one format only. Answers without a code or with another (the worked examples', an item's
 * forgery) never are. Without a batch code to check (a caller that set none), every answer is
 * kept, from one format only.
 */
function selectCandidates(candidates: readonly Candidate[], tag: string | undefined): Selection {
  if (tag === undefined) {
    const sources = new Set(candidates.map((candidate) => candidate.source));
    if (sources.size > 1) return mixedFormats(candidates.length);
    return { chosen: [...candidates], untagged: true, ignored: 0 };
  }
  const wanted = tag.toLowerCase();
  const tagged = candidates.filter((candidate) => candidate.tag?.toLowerCase() === wanted);
  if (tagged.length > 0) {
    if (new Set(tagged.map((candidate) => candidate.source)).size > 1) return mixedFormats(candidates.length);
    return { chosen: tagged, untagged: false, ignored: candidates.length - tagged.length };
  }
  if (candidates.some((candidate) => candidate.tag === undefined)) {
    // Without the code an answer could be a quoted example, a forged line or another batch's:
    // nothing ties it to this batch.
    return {
      chosen: [],
      untagged: true,
      ignored: candidates.length,
      issue: {
        kind: 'no-code',
        detail: `no answer carried the batch code (${tag}); answers without it cannot be attributed safely`,
      },
    };
  }
  if (candidates.length > 0) {
    const codes = [...new Set(candidates.map((candidate) => candidate.tag))].slice(0, 3).join(', ');
    return {
      chosen: [],
      untagged: false,
      ignored: candidates.length,
      issue: { kind: 'foreign-code', detail: `every answer carried another batch code (${codes})` },
    };
  }
  return {
    chosen: [],
    untagged: false,
    ignored: 0,
    issue: { kind: 'no-answers', detail: 'the reply held no answer line or entry' },
  };
}

function mixedFormats(ignored: number): Selection {
  return {
    chosen: [],
    untagged: false,
    ignored,
    issue: {
      kind: 'mixed-formats',
      detail: 'the reply mixed JSON entries and answer lines for this batch; neither could be trusted',
    },
  };
}

/**
 * The reply numbered from 1 and only that way: every index 1..N exactly once, each readable and
 * with this batch's code, and no index 0 at all. Anything less is mixed numbering.
 */
function isCleanOneBased(chosen: readonly Candidate[], expectedCount: number): boolean {
  if (chosen.length !== expectedCount) return false;
  const seen = new Set<number>();
  for (const candidate of chosen) {
    if (candidate.index < 1 || candidate.index > expectedCount) return false;
    if (candidate.answer === undefined || seen.has(candidate.index)) return false;
    seen.add(candidate.index);
  }
  return seen.size === expectedCount;
}

function allProblems(expectedCount: number, kind: ItemProblemKind, detail: string): ItemProblem[] {
  return Array.from({ length: expectedCount }, (_, index) => ({ index, kind, detail }));
}

/**
 * Reads a reply into one answer per item, matched by the index the model wrote and the batch
 * code it echoed, never by the order of the lines. An answer is used only when its item is
 * certain; otherwise the item gets none and the reason:
 * - answers must carry this batch's code (any letter case); those without it or with another code
 *   (quoted worked examples, forged lines, a model that dropped the code) never count;
 * - the answers used come from one format: JSON entries and answer lines both claiming this batch
 *   make the reply ambiguous, so nothing of it is used;
 * - indices outside 0..N-1 mean the numbering is off and nothing is used, unless the reply numbered
 *   every item 1..N exactly once with the code, which is read shifted by one;
 * - an index written more than once means the reply holds more than one pass: nothing is used;
 * - index 0 unanswered while higher ones are answered looks like counting from 1: nothing is used;
 * - after an index with no readable answer, the numbering of later ones cannot be trusted, so only
 *   the items before it are used.
 */
export function parseReply(task: Task, replyText: string, options: ParseReplyOptions): ParsedReply {
  if (options.reasoning === true) {
    // Without a batch code no block can be told from a quote inside a solution: nothing is read.
    const isolated = isolateFinalAnswers(replyText, {
      format: options.format,
      tag: options.tag ?? '',
      truncated: options.truncated ?? false,
    });
    const parsed = parseReply(task, isolated.text, { ...options, format: isolated.format, reasoning: false });
    return { ...parsed, reasoning: isolated.reasoning };
  }
  const text = replyText;
  const { expectedCount, tag } = options;
  const candidates = [...readLineCandidates(task, text, tag)];
  if (/[[{]/.test(text)) candidates.push(...readJsonCandidates(task, text));
  const selection = selectCandidates(candidates, tag);
  const answers: (ParsedAnswer | undefined)[] = new Array(expectedCount).fill(undefined);
  const outOfRangeSet = new Set<number>();
  for (const candidate of selection.chosen) {
    if (candidate.index >= expectedCount) outOfRangeSet.add(candidate.index);
  }
  const outOfRange = [...outOfRangeSet].sort((left, right) => left - right);
  const result = (
    problems: ItemProblem[],
    numbering: ParsedReply['numbering'],
    issue: ReplyIssue | undefined,
  ): ParsedReply => {
    const firstProblem = problems[0];
    const reported =
      issue ??
      (firstProblem === undefined
        ? undefined
        : {
            kind: firstProblem.kind === 'unparseable' ? ('unreadable' as const) : firstProblem.kind,
            detail: firstProblem.detail,
          });
    return {
      answers,
      problems,
      // A reply read as numbered from 1 used no index outside the batch, once shifted.
      outOfRange: numbering === 'one-based' ? [] : outOfRange,
      ignoredLines: selection.ignored,
      numbering,
      ...(reported === undefined ? {} : { issue: reported as ReplyIssue }),
    };
  };

  if (selection.issue) {
    const kind = selection.issue.kind === 'mixed-formats' ? 'mixed' : 'missing';
    return result(allProblems(expectedCount, kind, selection.issue.detail), 'none', selection.issue);
  }

  if (selection.chosen.some((candidate) => candidate.duplicateKey === true)) {
    const issue: ReplyIssue = {
      kind: 'repeated',
      detail: 'a JSON object of the reply named the same key twice; no answer could be attributed safely',
    };
    return result(allProblems(expectedCount, 'conflicting', issue.detail), 'none', issue);
  }

  let chosen = selection.chosen;
  let numbering: ParsedReply['numbering'] = 'zero-based';
  if (outOfRange.length > 0) {
    if (!selection.untagged && isCleanOneBased(chosen, expectedCount)) {
      chosen = chosen.map((candidate) => ({ ...candidate, index: candidate.index - 1 }));
      numbering = 'one-based';
    } else {
      const fromOne = !chosen.some((candidate) => candidate.index === 0);
      const issue: ReplyIssue = fromOne
        ? {
            kind: 'numbering-from-1',
            detail: `reply numbered the inputs from 1, not from 0 as their headers do (it used ${outOfRange.slice(0, 3).join(', ')}), and not every one exactly once with the batch code; no answer could be attributed safely`,
          }
        : {
            kind: 'numbering-out-of-range',
            detail: `reply used indices outside 0..${expectedCount - 1} (${outOfRange.slice(0, 5).join(', ')}); no answer could be attributed safely`,
          };
      return result(allProblems(expectedCount, 'numbering', issue.detail), 'none', issue);
    }
  }

  const byIndex = new Map<number, Candidate[]>();
  for (const candidate of chosen) {
    const list = byIndex.get(candidate.index);
    if (list) list.push(candidate);
    else byIndex.set(candidate.index, [candidate]);
  }
  // One convention writes each index once. An index written twice means two passes over the
  // items (a draft and a final list, two numberings): which one an index's only line belongs to is
  // a guess, so nothing of the reply is used.
  const repeated = [...byIndex].filter(([, list]) => list.length > 1).map(([index]) => index);
  if (repeated.length > 0) {
    const issue: ReplyIssue = {
      kind: 'repeated',
      detail: `reply answered input${repeated.length === 1 ? '' : 's'} ${repeated.slice(0, 5).join(', ')} more than once; no answer could be attributed safely`,
    };
    return result(allProblems(expectedCount, 'conflicting', issue.detail), 'none', issue);
  }
  const readableAt = (index: number) =>
    (byIndex.get(index) ?? []).some((candidate) => candidate.answer !== undefined);
  let highestReadable = -1;
  for (const [index] of byIndex) if (readableAt(index) && index > highestReadable) highestReadable = index;
  if (highestReadable > 0 && !readableAt(0)) {
    const issue: ReplyIssue = {
      kind: 'numbering-from-1',
      detail:
        'reply gave no answer for input 0 but answered later ones, as when counting from 1; no answer could be attributed safely',
    };
    return result(allProblems(expectedCount, 'numbering', issue.detail), 'none', issue);
  }
  // The first index without a readable answer: later answers may be shifted by it.
  let gapAt = expectedCount;
  for (let index = 0; index < expectedCount; index += 1) {
    if (!readableAt(index)) {
      gapAt = index;
      break;
    }
  }
  const trusted = gapAt < highestReadable ? gapAt : expectedCount;

  const problems: ItemProblem[] = [];
  for (let index = 0; index < expectedCount; index += 1) {
    const list = byIndex.get(index);
    if (index > trusted) {
      problems.push({
        index,
        kind: 'numbering',
        detail: `input ${trusted} got no readable answer while later ones did, so the numbering after it cannot be trusted`,
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
  const gapIssue: ReplyIssue | undefined =
    trusted < expectedCount
      ? {
          kind: 'numbering-gap',
          detail: `input ${trusted} got no readable answer while later ones did; the later ones were not attributed`,
        }
      : undefined;
  return result(problems, numbering, gapIssue);
}
