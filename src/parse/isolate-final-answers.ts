import { readEntryId } from './read-json-candidates.js';

/*
 * The pre-pass of a reasoning reply. A worked solution is free text: it restates numbers, mentions
 * other inputs, may quote an answer line or stop mid-sentence. None of that may reach the answer
 * parser. This pass keeps, per item, only the final answer that closes the item's own block (lines
 * format) or the `answer` of a whole JSON entry, and hands the parser a plain reply of those final
 * answers in the format it already reads; the solutions are returned beside it.
 */

export interface IsolateFinalAnswersOptions {
  format: 'lines' | 'json';
  /** The batch code of the request. Block headers and answer lines must carry it. */
  tag: string;
  /**
   * The reply was cut off at the output limit: its last block may be incomplete (a number cut in
   * two reads as another number), so it is used only if its answer line visibly ended.
   */
  truncated?: boolean;
}

export interface IsolatedAnswers {
  /** A plain reply holding only final answers, in `format`. */
  text: string;
  format: 'lines' | 'json';
  /** The worked solution of each item that has a block or entry, by index. */
  reasoning: Map<number, string>;
  /** Blocks or entries that were dropped: no closing answer line, wrong code, cut off. */
  dropped: number;
}

/** Markdown that models put around lines: bullets, quotes, headings, bold, code spans. */
function stripMarkup(line: string): string {
  return line
    .trim()
    .replace(/^(?:[>*+•#]+\s*|-\s+)+/, '')
    .replace(/\*\*|__|`/g, '')
    .trim();
}

const headerPattern =
  /^(?:reasoning|working|work|solution|thinking)\s*(?:for\s+)?(?:input\s*)?#?\s*(\d+)\s*[([]\s*([A-Za-z0-9]+)\s*[)\]]\s*[:.\-–—]?\s*(.*)$/i;

const answerLinePattern =
  /^(?:(?:final\s+)?(?:answer|label|result)\s*(?:for\s+)?)?(?:input\s*)?#?\s*(\d+)\s*[([]\s*([A-Za-z0-9]+)\s*[)\]]\s*[:=\-–—]\s*(\S.*)$/i;

const endsWithConfidence = /\b(?:sure|unsure|confident|not confident)\W*$/i;

interface Block {
  index: number;
  /** The solution lines, the header's own text first. */
  lines: string[];
  /**
   * The body of the last line in the block that answers this block's index with the code; it
   * counts only if no line with a number follows it in the block.
   */
  finalAnswer: string | undefined;
  /** Where in `lines` the final answer line was. */
  finalAt: number;
}

function sameTag(written: string, tag: string): boolean {
  return written.toLowerCase() === tag.toLowerCase();
}

function isolateLines(text: string, options: IsolateFinalAnswersOptions): IsolatedAnswers {
  const { tag } = options;
  const blocks: Block[] = [];
  let current: Block | undefined;
  const looseAnswers: { index: number; body: string }[] = [];
  let looseOther = false;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = stripMarkup(rawLine);
    if (line.length === 0 || line.startsWith('```')) continue;
    const header = headerPattern.exec(line);
    // A header with another code is text of the block it sits in, never a block of its own.
    if (header && sameTag(header[2] ?? '', tag)) {
      current = { index: Number(header[1]), lines: [], finalAnswer: undefined, finalAt: -1 };
      if ((header[3] ?? '').length > 0) current.lines.push(header[3]!);
      blocks.push(current);
      continue;
    }
    const answer = answerLinePattern.exec(line);
    if (current === undefined) {
      if (answer && sameTag(answer[2] ?? '', tag))
        looseAnswers.push({ index: Number(answer[1]), body: answer[3]! });
      else looseOther = true;
      continue;
    }
    current.lines.push(line);
    // Only an answer line for the block's own index closes it; one naming another input is a
    // quote or a mention inside the solution, whatever it says.
    if (answer && sameTag(answer[2] ?? '', tag) && Number(answer[1]) === current.index) {
      current.finalAnswer = answer[3]!;
      current.finalAt = current.lines.length - 1;
    }
  }

  const reasoning = new Map<number, string>();
  const finals: string[] = [];
  let dropped = 0;
  if (blocks.length === 0) {
    // No blocks: a reply of bare answer lines and nothing else is a model that skipped the
    // solutions, and is read as such; anything besides them may be a solution that mentions other
    // inputs, so nothing is read.
    if (!looseOther)
      for (const answer of looseAnswers) finals.push(`${answer.index} (${tag}): ${answer.body}`);
    else dropped = looseAnswers.length;
    return { text: finals.join('\n'), format: 'lines', reasoning, dropped };
  }
  blocks.forEach((block, position) => {
    const last = position === blocks.length - 1;
    const solution = block.lines.slice(0, block.finalAt < 0 ? undefined : block.finalAt).join('\n');
    if (solution.length > 0 && !reasoning.has(block.index)) reasoning.set(block.index, solution);
    const cutOff =
      last &&
      options.truncated === true &&
      (block.finalAt !== block.lines.length - 1 || !endsWithConfidence.test(block.finalAnswer ?? ''));
    // The answer closes the block: after it may come a closing remark, or a stray answer line or
    // block header with another number or code (read by nobody), but not more working (a line with a number): then the line
    // was a quote inside the solution, not its end.
    const workingAfter = block.lines
      .slice(block.finalAt + 1)
      .some((line) => /\d/.test(line) && !answerLinePattern.test(line) && !headerPattern.test(line));
    if (block.finalAnswer === undefined || cutOff || workingAfter) {
      dropped += 1;
      return;
    }
    finals.push(`${block.index} (${tag}): ${block.finalAnswer}`);
  });
  return { text: finals.join('\n'), format: 'lines', reasoning, dropped };
}

/**
 * The objects of a JSON text that hold no object themselves, read with strings respected: braces
 * inside a string (a solution that quotes JSON) are text, and an object cut off by the output
 * limit never closes, so it is not returned.
 */
function innermostObjects(text: string): string[] {
  const found: string[] = [];
  const starts: { at: number; nested: boolean }[] = [];
  let inString = false;
  let escaped = false;
  for (let at = 0; at < text.length; at += 1) {
    const character = text[at];
    if (inString) {
      if (escaped) escaped = false;
      else if (character === '\\') escaped = true;
      else if (character === '"') inString = false;
      continue;
    }
    if (character === '"') inString = true;
    else if (character === '{') {
      const outer = starts.at(-1);
      if (outer) outer.nested = true;
      starts.push({ at, nested: false });
    } else if (character === '}') {
      const start = starts.pop();
      if (start && !start.nested) found.push(text.slice(start.at, at + 1));
    }
  }
  return found;
}

function isolateJson(text: string, tag: string): IsolatedAnswers {
  const reasoning = new Map<number, string>();
  const entries: Record<string, unknown>[] = [];
  let dropped = 0;
  for (const objectText of innermostObjects(text)) {
    let value: unknown;
    try {
      value = JSON.parse(objectText);
    } catch {
      dropped += 1;
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    const { reasoning: solution, ...entry } = value as Record<string, unknown>;
    if (!('answer' in entry) && !('label' in entry)) continue;
    // A solution is kept only beside an entry of this batch, so one in a quoted example or a copied
    // entry never stands for an item's own. (The code may be in the id or a field of its own.)
    const id = readEntryId(entry.id ?? entry.index ?? entry.input);
    const codes = [entry.code, id?.tag].filter((code): code is string => typeof code === 'string');
    const ours = id !== undefined && codes.length > 0 && codes.every((code) => sameTag(code, tag));
    if (typeof solution === 'string' && ours && !reasoning.has(id.index)) reasoning.set(id.index, solution);
    entries.push(entry);
  }
  return { text: JSON.stringify({ answers: entries }), format: 'json', reasoning, dropped };
}

/**
 * A reasoning reply reduced to its final answers (see the top of this file). JSON replies keep
 * their whole entries without the `reasoning` strings; a JSON reply with no entry is read as lines,
 * and a lines reply with neither blocks nor answer lines as JSON, as models sometimes answer in the
 * other format.
 */
export function isolateFinalAnswers(text: string, options: IsolateFinalAnswersOptions): IsolatedAnswers {
  if (options.format === 'json') {
    const json = isolateJson(text, options.tag);
    if (json.reasoning.size > 0 || json.text !== '{"answers":[]}') return json;
    return isolateLines(text, options);
  }
  const lines = isolateLines(text, options);
  if (lines.text.length > 0 || lines.reasoning.size > 0 || !/[{]/.test(text)) return lines;
  return isolateJson(text, options.tag);
}
