import type { MultiOutputTask } from '../task/task-schema.js';
import { attributeCandidates } from './attribute-candidates.js';
import type { ParsedReply } from './parsed-reply.js';
import {
  type OutputCandidates,
  type ParsedOutputAnswer,
  readingOf,
  readOutputJsonCandidates,
  readOutputLineCandidates,
} from './read-output-candidates.js';

export type { ParsedOutputAnswer } from './read-output-candidates.js';

export interface ParseOutputsReplyOptions {
  format: 'lines' | 'json';
  expectedCount: number;
  /** The batch code the reply must echo; answers with another code are ignored. */
  tag?: string;
  /** The outputs the call asked (a re-ask, a later round). @default every output of the task */
  outputs?: readonly string[];
  /** The reply was cut off at the output limit: its last line or entry is never used. */
  truncated?: boolean;
}

/** What a reply gave one item, output by output. */
export interface ItemOutputs {
  /** The asked outputs it answered for certain, by name. */
  answers: Map<string, ParsedOutputAnswer>;
  /** The asked outputs it did not answer, each with why: the ones to ask again. */
  missing: { output: string; detail: string }[];
}

/** A reply of a task with several outputs, read item by item and output by output. */
export interface ParsedOutputsReply extends Omit<ParsedReply, 'answers' | 'reasoning'> {
  /** One entry per item of the batch, by index. */
  items: ItemOutputs[];
  /** The outputs the call asked, in the task's order. */
  outputs: string[];
}

/**
 * Reads a reply of a task with several outputs. Lines and entries are tied to items exactly as
 * `parseReply` ties them (index and batch code, one format, the numbering rules), then each output
 * is read on its own: an item keeps the outputs its line answered readably and misses the others,
 * which can be asked again alone. A line or entry that names an output the task lacks, or one
 * output twice, or answers without names gives its item nothing (and, like an unreadable answer,
 * makes the numbering after it untrusted); an output the task has but the call did not ask is
 * ignored.
 */
export function parseOutputsReply(
  task: MultiOutputTask,
  replyText: string,
  options: ParseOutputsReplyOptions,
): ParsedOutputsReply {
  const asked = task.outputs
    .map((output) => output.name)
    .filter((name) => options.outputs === undefined || options.outputs.includes(name));
  const found: OutputCandidates = { candidates: [], readings: [] };
  readOutputLineCandidates(task, asked, replyText, options.tag, found);
  if (/[[{]/.test(replyText)) readOutputJsonCandidates(task, asked, replyText, found);
  const { answers, ...attributed } = attributeCandidates(
    found.candidates,
    options.expectedCount,
    options.tag,
    options.truncated === true,
  );
  const problemOf = new Map(attributed.problems.map((problem) => [problem.index, problem]));
  const items = answers.map((answer, index): ItemOutputs => {
    const reading = answer === undefined ? undefined : readingOf(found, answer.answer);
    if (reading === undefined) {
      const problem = problemOf.get(index);
      const detail = problem === undefined ? 'no answer' : `${problem.kind}: ${problem.detail}`;
      return { answers: new Map(), missing: asked.map((output) => ({ output, detail })) };
    }
    const missing = asked
      .filter((output) => !reading.answers.has(output))
      .map((output) => {
        const unread = reading.unread.get(output);
        const detail =
          unread === undefined
            ? 'missing: its line or entry gave no answer for this output'
            : `unparseable: could not read an answer from ${JSON.stringify(unread.slice(0, 80))}`;
        return { output, detail };
      });
    return { answers: reading.answers, missing };
  });
  return { ...attributed, items, outputs: asked };
}
