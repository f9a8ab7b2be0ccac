import type { MultiOutputTask, TaskOutput } from '../task/task-schema.js';
import { normalizeOutputAnswer, type OutputAnswer } from './normalize-output-answer.js';
import { hasDuplicateKeys, readEntryId } from './read-json-candidates.js';
import { readAnswerLines } from './read-line-candidates.js';
import { type ReplyCandidate, splitConfidence } from './reply-candidate.js';

/*
 * The answers of a task with several outputs, as candidates of the single-answer attribution
 * (`attribute-candidates.ts`), which decides by index and batch code which line or entry is
 * whose. A candidate's `answer` is then a marker naming its reading: the answers it gave per
 * output. A line or entry that names an output the task does not have, names one twice, or gives
 * an answer without a name has no reading: it is attributed to its item (the numbering holds) but
 * gives it nothing.
 */

/** One output's answer as a reply gave it. */
export interface ParsedOutputAnswer {
  answer: OutputAnswer;
  confident: boolean;
}

/** What one line or entry said, output by output. */
export interface OutputsReading {
  /** The outputs it answered readably, among those the call asked. */
  answers: Map<string, ParsedOutputAnswer>;
  /** Outputs it named, among those asked, whose answer could not be read, with the text given. */
  unread: Map<string, string>;
}

export interface OutputCandidates {
  candidates: ReplyCandidate[];
  /** The reading behind each candidate's marker answer. */
  readings: OutputsReading[];
}

const markerPrefix = '\u0000outputs:';

/** The reading a candidate's marker answer names, or undefined for any other answer. */
export function readingOf(candidates: OutputCandidates, answer: unknown): OutputsReading | undefined {
  if (typeof answer !== 'string' || !answer.startsWith(markerPrefix)) return undefined;
  return candidates.readings[Number(answer.slice(markerPrefix.length))];
}

/** `Repeat contact`, `repeat-contact` and `REPEAT_CONTACT` all name `repeat_contact`. */
function nameKey(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

type RawValues = { refused: string } | { values: [name: string, raw: unknown][] };

/** The outputs of a task and those a call asks, by name key. */
interface OutputLookup {
  known: Map<string, TaskOutput>;
  asked: Set<string>;
}

function lookupOf(task: MultiOutputTask, asked: readonly string[] | undefined): OutputLookup {
  return {
    known: new Map(task.outputs.map((output) => [nameKey(output.name), output])),
    asked: new Set((asked ?? task.outputs.map((output) => output.name)).map(nameKey)),
  };
}

/** The reading of one line or entry's named values, or the reason it gives nothing. */
function readValues(
  lookup: OutputLookup,
  raw: RawValues,
  readValue: (output: TaskOutput, value: unknown) => ParsedOutputAnswer | undefined,
): OutputsReading | string {
  if ('refused' in raw) return raw.refused;
  const seen = new Set<string>();
  const reading: OutputsReading = { answers: new Map(), unread: new Map() };
  for (const [name, value] of raw.values) {
    const key = nameKey(name);
    const output = lookup.known.get(key);
    if (output === undefined) return `names \`${name}\`, which is not an output of the task`;
    if (seen.has(key)) return `names output \`${output.name}\` twice`;
    seen.add(key);
    if (!lookup.asked.has(key)) continue;
    const parsed = readValue(output, value);
    if (parsed === undefined) reading.unread.set(output.name, String(value ?? ''));
    else reading.answers.set(output.name, parsed);
  }
  return reading;
}

/** A candidate for a reading: its answer a marker when some output was read, else nothing. */
function toCandidate(
  found: OutputCandidates,
  reading: OutputsReading | string,
  raw: string,
): { answer: string | undefined; confident: boolean; rawAnswer: string } {
  if (typeof reading === 'string')
    return { answer: undefined, confident: false, rawAnswer: `${reading}: ${raw}` };
  if (reading.answers.size === 0) return { answer: undefined, confident: false, rawAnswer: raw };
  found.readings.push(reading);
  const confident = [...reading.answers.values()].every((answer) => answer.confident);
  return { answer: `${markerPrefix}${found.readings.length - 1}`, confident, rawAnswer: raw };
}

/** Where a line's next output starts: a separator, then a name and `=` or `:`. */
const segmentStart = /(?:^|\s*[;,|]\s*)([A-Za-z_][A-Za-z0-9_ -]{0,40}?)\s*[=:]\s*/g;

/** `topic=billing sure; urgency=high unsure` as named values, or why it is none. */
function splitLineBody(body: string): RawValues {
  const starts = [...body.trim().matchAll(segmentStart)];
  const text = body.trim();
  if (starts.length === 0 || starts[0]!.index !== 0)
    return { refused: 'gives an answer without an output’s name' };
  const values: [string, unknown][] = starts.map((match, position) => {
    const end = starts[position + 1]?.index ?? text.length;
    return [match[1]!, text.slice(match.index + match[0].length, end)];
  });
  return { values };
}

function readLineValue(output: TaskOutput, value: unknown): ParsedOutputAnswer | undefined {
  const { rest, confident } = splitConfidence(String(value));
  const answer = normalizeOutputAnswer(output, rest);
  return answer === undefined ? undefined : { answer, confident };
}

/** Every answer line of a reply, each read as the outputs it names. */
export function readOutputLineCandidates(
  task: MultiOutputTask,
  asked: readonly string[] | undefined,
  text: string,
  tag: string | undefined,
  found: OutputCandidates,
): void {
  const lookup = lookupOf(task, asked);
  found.candidates.push(
    ...readAnswerLines(text, tag, (body) => {
      const { answer, confident } = toCandidate(
        found,
        readValues(lookup, splitLineBody(body), readLineValue),
        body,
      );
      return { answer, confident };
    }),
  );
}

/** `refund, deadline sure`: an answer ending in its confidence word, as asked. */
const trailingConfidence = /\s+(not sure|unsure|sure)\s*$/i;

function readJsonValue(output: TaskOutput, value: unknown): ParsedOutputAnswer | undefined {
  let raw = value;
  let confident = false;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    raw = record.answer ?? record.label;
    const flag = record.confident ?? record.confidence;
    confident = flag === true || (typeof flag === 'string' && splitConfidence(flag).confident);
  } else if (typeof value === 'string') {
    const trailing = trailingConfidence.exec(value);
    if (trailing !== null) {
      raw = value.slice(0, trailing.index);
      confident = trailing[1]!.toLowerCase() === 'sure';
    }
  }
  const answer = normalizeOutputAnswer(output, raw);
  return answer === undefined ? undefined : { answer, confident };
}

const entryKeys = new Set(['id', 'index', 'input', 'code', 'tag', 'reasoning']);

function combineCodes(codes: readonly (string | undefined)[]): string | undefined {
  const given = codes.filter((code): code is string => code !== undefined);
  if (given.length === 0) return undefined;
  return new Set(given.map((code) => code.toLowerCase())).size === 1 ? given[0] : given.join('|');
}

function readCode(value: unknown): string | undefined {
  return typeof value === 'string' ? value.trim() : undefined;
}

/** One entry's candidate: its id from `id` (or a key it sat under), its outputs from its other keys. */
function entryCandidate(
  lookup: OutputLookup,
  found: OutputCandidates,
  entry: unknown,
  keyed?: { id: { index: number; tag: string | undefined }; containerCode: string | undefined },
): ReplyCandidate | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return undefined;
  const record = entry as Record<string, unknown>;
  const id = keyed?.id ?? readEntryId(record.id ?? record.index ?? record.input);
  if (id === undefined) return undefined;
  const tag = combineCodes([keyed?.containerCode, id.tag, readCode(record.code ?? record.tag)]);
  const values = Object.entries(record).filter(([key]) => !entryKeys.has(key));
  const raw = JSON.stringify(Object.fromEntries(values));
  const { answer, confident, rawAnswer } = toCandidate(
    found,
    readValues(lookup, { values }, readJsonValue),
    raw,
  );
  return { source: 'json', index: id.index, tag, rawAnswer, answer, confident };
}

/** Candidates of a parsed JSON value: a list, `{answers: [...]}`, or entries keyed by index. */
function valueCandidates(lookup: OutputLookup, found: OutputCandidates, value: unknown): ReplyCandidate[] {
  const fromList = (list: unknown[]) => list.flatMap((entry) => entryCandidate(lookup, found, entry) ?? []);
  if (Array.isArray(value)) return fromList(value);
  if (typeof value !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  if (Array.isArray(record.answers)) return fromList(record.answers);
  const containerCode = readCode(record.code ?? record.tag);
  const keyedMap =
    typeof record.answers === 'object' && record.answers !== null
      ? (record.answers as Record<string, unknown>)
      : Object.fromEntries(Object.entries(record).filter(([key]) => key !== 'code' && key !== 'tag'));
  const single = entryCandidate(lookup, found, record);
  if (single !== undefined) return [single];
  return Object.entries(keyedMap).flatMap(([key, entry]) => {
    const id = readEntryId(key);
    return id === undefined ? [] : (entryCandidate(lookup, found, entry, { id, containerCode }) ?? []);
  });
}

/** Every JSON entry of a reply, whole or, in a damaged reply, each whole object of it. */
export function readOutputJsonCandidates(
  task: MultiOutputTask,
  asked: readonly string[] | undefined,
  text: string,
  found: OutputCandidates,
): void {
  const lookup = lookupOf(task, asked);
  const unfenced = text.replace(/```[a-zA-Z]*\n?/g, '');
  const start = unfenced.search(/[[{]/);
  if (start < 0) return;
  const end = Math.max(unfenced.lastIndexOf('}'), unfenced.lastIndexOf(']'));
  const mark = (candidates: ReplyCandidate[], json: string) =>
    candidates.length > 0 && hasDuplicateKeys(json)
      ? candidates.map((candidate) => ({ ...candidate, duplicateKey: true }))
      : candidates;
  try {
    const slice = unfenced.slice(start, end + 1);
    found.candidates.push(...mark(valueCandidates(lookup, found, JSON.parse(slice) as unknown), slice));
    return;
  } catch {
    // A truncated or damaged reply: keep the entries that are whole.
  }
  for (const match of unfenced.matchAll(/\{[^{}]*\}/g)) {
    try {
      found.candidates.push(
        ...mark(valueCandidates(lookup, found, JSON.parse(match[0]) as unknown), match[0]),
      );
    } catch {
      // not a whole entry
    }
  }
}
