import type { WithAnswerSpace } from '../task/task-schema.js';
import { type Answer, normalizeAnswer } from './normalize-answer.js';
import { type ReplyCandidate, splitConfidence } from './reply-candidate.js';

/*
 * Answer lines in the layouts models write: ours (`3 (k9q2): yes sure`), with `Input`, bold, in a
 * markdown list or table, or with the answer on the line after a bare item header. Each becomes a
 * candidate with the index and code it wrote; which candidates count is decided elsewhere.
 */

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

/**
 * How the text of an answer line after its index and code is read: the answer it gives (undefined
 * when none can be read) and its confidence. A task with several outputs reads one per output.
 */
export type AnswerBodyReader = (body: string) => { answer: Answer | undefined; confident: boolean };

export function readLineCandidates(
  task: WithAnswerSpace,
  text: string,
  tag: string | undefined,
): ReplyCandidate[] {
  return readAnswerLines(text, tag, (body) => {
    const { rest, confident } = splitConfidence(body);
    return { answer: normalizeAnswer(task, rest), confident };
  });
}

/** Every answer line of a reply, its body read by `readBody`. */
export function readAnswerLines(
  text: string,
  tag: string | undefined,
  readBody: AnswerBodyReader,
): ReplyCandidate[] {
  const candidates: ReplyCandidate[] = [];
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
    const { answer, confident } = readBody(body);
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
