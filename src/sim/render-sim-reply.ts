import type { Answer } from '../parse/normalize-answer.js';
import {
  type JsonAnswerEntry,
  renderAnswerLine,
  renderJsonAnswerEntry,
  renderReasoningBlock,
} from '../prompt/render-batch.js';
import type { FaultCalibration, FaultRate } from './profiles.js';
import { hashUniforms } from './sim-random.js';
import type { SimReplyLayout } from './sim-reply-layouts.js';

export interface ReplyEntry {
  index: number;
  answer: Answer;
  confident: boolean;
  /** The worked solution written before the answer, when the prompt asks for one. */
  reasoning?: string;
}

/**
 * Text a weak model copies from an item into its reply: a forged answer line, written after the
 * answer of the item that held it.
 */
export interface EchoedAnswer {
  /** Index of the item whose text held the fragment. */
  fromIndex: number;
  /** The fragment, verbatim: what an echoing model writes as a line of its own. */
  text: string;
  /**
   * The fragment read as an answer, for replies in JSON: with the code it carried, if any. It is
   * written in the shape of the reply's own entries (`echoedJsonEntry`).
   */
  entry: { id: number; code?: string; reasoning?: string; answer: Answer | string; confident: boolean };
}

/** A copied fragment as an entry of a JSON reply: its id holds the code only if the fragment had one. */
function echoedJsonEntry(echo: EchoedAnswer): JsonAnswerEntry {
  const { id, code, answer, confident, reasoning } = echo.entry;
  const entry = renderJsonAnswerEntry(id, code ?? '', answer, confident, reasoning);
  return code === undefined ? { ...entry, id: String(id) } : entry;
}

export type SimFault =
  | 'skip-index'
  | 'repeat-index'
  | 'wrong-count'
  | 'off-by-one'
  | 'chatter'
  | 'line-drift';

/**
 * How a reply writes its entries when an entry is more than one answer (a task with outputs: a
 * line or JSON entry naming each output). The entry's `answer` is then the writer's own key for
 * what the item's entry says, and `conflictingAnswer` gives the key of a different one.
 */
export interface ReplyEntryWriter {
  line(entry: ReplyEntry, tag: string): string;
  json(entry: ReplyEntry, tag: string): Record<string, unknown>;
  /** The entry in a sentence without the batch code, as a model drifting from lines writes it. */
  sentence(entry: ReplyEntry): string;
}

export interface RenderSimReplyInput {
  entries: readonly ReplyEntry[];
  /** Writes each entry, for entries that are not one answer each; layouts then stay `ours`. */
  writer?: ReplyEntryWriter;
  format: 'lines' | 'json';
  /** The batch code to echo on every answer line. */
  tag: string;
  faults: FaultCalibration;
  seed: number;
  requestDigest: string;
  /** A different answer for the same item, for the conflicting repeat. */
  conflictingAnswer: (answer: Answer) => Answer;
  /** Forged answers copied from the items; none unless the model is set to echo them. */
  echoes?: readonly EchoedAnswer[];
  /** @default 'ours' */
  layout?: SimReplyLayout;
  /**
   * Chance per request that a reply asked in lines drifts from the format, as small models do:
   * it answers in sentences without the batch code (`Input 3 is entailment, I am sure.`), which
   * no parser may attribute. JSON replies are held by their schema and never drift. @default 0
   */
  lineDrift?: number;
}

export interface SimReply {
  text: string;
  faults: SimFault[];
}

function faultProbability(rate: FaultRate, batchSize: number): number {
  if (batchSize <= 1) return 0;
  return Math.min(1, rate.base + rate.perExtraItem * (batchSize - 1));
}

/**
 * The reply text for a batch's answers, with the formatting faults of a real model: they grow
 * with the batch size and are drawn per request, so a re-asked (different) request may come back
 * clean.
 */
export function renderSimReply(input: RenderSimReplyInput): SimReply {
  const { format, tag, faults } = input;
  const batchSize = input.entries.length;
  const [
    skipDraw = 1,
    repeatDraw = 1,
    countDraw = 1,
    offByOneDraw = 1,
    chatterDraw = 1,
    pickDraw = 0,
    variantDraw = 0,
  ] = hashUniforms(7, 'faults', input.seed, input.requestDigest);
  let entries = input.entries.map((entry) => ({ ...entry }));
  const happened: SimFault[] = [];

  if (offByOneDraw < faultProbability(faults.offByOne, batchSize)) {
    happened.push('off-by-one');
    entries = entries.map((entry) => ({ ...entry, index: entry.index + 1 }));
  }
  if (skipDraw < faultProbability(faults.skipIndex, batchSize)) {
    happened.push('skip-index');
    entries.splice(Math.floor(pickDraw * entries.length), 1);
  }
  if (repeatDraw < faultProbability(faults.repeatIndex, batchSize) && entries.length > 0) {
    happened.push('repeat-index');
    const where = Math.floor(((pickDraw * 7919) % 1) * entries.length);
    const repeated = entries[where]!;
    entries.splice(where + 1, 0, { ...repeated, answer: input.conflictingAnswer(repeated.answer) });
  }
  if (countDraw < faultProbability(faults.wrongCount, batchSize)) {
    happened.push('wrong-count');
    if (variantDraw < 0.5 || entries.length === 0) {
      entries.push({ ...entries[0], index: batchSize, answer: entries[0]?.answer ?? '', confident: false });
    } else {
      entries.pop();
    }
  }

  const echoes = input.echoes ?? [];
  const [driftDraw = 1] = hashUniforms(1, 'line-drift', input.seed, input.requestDigest);
  if (format === 'lines' && driftDraw < (input.lineDrift ?? 0)) {
    happened.push('line-drift');
    return { text: renderDriftedReply(entries, input.writer), faults: happened };
  }
  const { writer } = input;
  const layout = writer === undefined ? (input.layout ?? 'ours') : 'ours';
  if (layout !== 'ours' && !entries.some((entry) => entry.reasoning !== undefined)) {
    return { text: renderLayout(layout, entries, format, tag, echoes), faults: happened };
  }
  if (format === 'json') {
    // A JSON schema leaves no room for prose around the answers.
    // The entries take the shape the prompt asks for, the batch code included.
    const answers: (JsonAnswerEntry | Record<string, unknown>)[] = [];
    for (const entry of entries) {
      answers.push(
        writer === undefined
          ? renderJsonAnswerEntry(entry.index, tag, entry.answer, entry.confident, entry.reasoning)
          : writer.json(entry, tag),
      );
      for (const echo of echoes) if (echo.fromIndex === entry.index) answers.push(echoedJsonEntry(echo));
    }
    return { text: JSON.stringify({ answers }), faults: happened };
  }

  const bold =
    format === 'lines' && chatterDraw < faultProbability(faults.chatter, batchSize) && variantDraw >= 0.75;
  const withReasoning = entries.some((entry) => entry.reasoning !== undefined);
  const lines = entries.flatMap((entry) => {
    const own =
      writer !== undefined
        ? writer.line(entry, tag)
        : entry.reasoning === undefined
          ? renderAnswerLine(entry.index, tag, entry.answer, entry.confident)
          : renderReasoningBlock(entry.index, tag, entry.reasoning, entry.answer, entry.confident);
    // A chattier reply bolds the number and code, as models often do in markdown.
    const written = bold ? own.replace(/^(\d+ \([^)]*\))/, '**$1**') : own;
    const copied = echoes.filter((echo) => echo.fromIndex === entry.index).map((echo) => echo.text);
    return copied.length === 0 ? [written] : [written, ...copied];
  });
  // Blocks of worked solutions are set apart by blank lines, as the worked examples show them.
  let text = lines.join(withReasoning ? '\n\n' : '\n');
  if (chatterDraw < faultProbability(faults.chatter, batchSize)) {
    happened.push('chatter');
    if (variantDraw < 0.35) text = `Here are my answers for the ${batchSize} inputs:\n\n${text}`;
    else if (variantDraw < 0.6) text = `\`\`\`\n${text}\n\`\`\``;
    else if (variantDraw < 0.75)
      text = `${text}\n\nLet me know if you would like the reasoning behind any of these.`;
  }
  return { text, faults: happened };
}

/** Answers in sentences, without the batch code: what a model that drifted from lines writes. */
function renderDriftedReply(entries: readonly ReplyEntry[], writer: ReplyEntryWriter | undefined): string {
  const sentences = entries.map((entry) =>
    writer === undefined
      ? `Input ${entry.index} is ${entry.answer}${entry.confident ? ', I am sure.' : ', though I am not sure.'}`
      : writer.sentence(entry),
  );
  return `Sure! Here is what I think of each input.\n\n${sentences.join('\n')}`;
}

function renderLayout(
  layout: Exclude<SimReplyLayout, 'ours'>,
  entries: readonly ReplyEntry[],
  format: 'lines' | 'json',
  tag: string,
  echoes: readonly EchoedAnswer[],
): string {
  const confidence = (entry: ReplyEntry) => (entry.confident ? 'sure' : 'unsure');
  const copiedAfter = (entry: ReplyEntry) =>
    echoes.filter((echo) => echo.fromIndex === entry.index).map((echo) => echo.text);
  if (layout === 'one-based' || layout === 'upper-code') {
    const shift = layout === 'one-based' ? 1 : 0;
    const code = layout === 'upper-code' ? tag.toUpperCase() : tag;
    if (format === 'json') {
      const answers: JsonAnswerEntry[] = [];
      for (const entry of entries) {
        answers.push(renderJsonAnswerEntry(entry.index + shift, code, entry.answer, entry.confident));
        for (const echo of echoes) if (echo.fromIndex === entry.index) answers.push(echoedJsonEntry(echo));
      }
      return JSON.stringify({ answers });
    }
    return entries
      .flatMap((entry) => [
        renderAnswerLine(entry.index + shift, code, entry.answer, entry.confident),
        ...copiedAfter(entry),
      ])
      .join('\n');
  }
  if (layout === 'json-keyed') {
    const answers: Record<string, string> = {};
    for (const entry of entries) answers[`${entry.index} (${tag})`] = `${entry.answer} ${confidence(entry)}`;
    return JSON.stringify({ answers });
  }
  if (layout === 'code-column') {
    const rows = entries.flatMap((entry) => [
      `| ${entry.index} | ${tag} | ${entry.answer} | ${confidence(entry)} |`,
      ...copiedAfter(entry),
    ]);
    return ['| Input | Code | Answer | Confidence |', '| --- | --- | --- | --- |', ...rows].join('\n');
  }
  if (layout === 'answer-next-line') {
    return entries
      .flatMap((entry) => [
        `Input ${entry.index} (${tag})\nAnswer: ${entry.answer} ${confidence(entry)}`,
        ...copiedAfter(entry),
      ])
      .join('\n\n');
  }
  return entries
    .flatMap((entry, position) => [
      `${position + 1}. ${renderAnswerLine(entry.index, tag, entry.answer, entry.confident)}`,
      ...copiedAfter(entry),
    ])
    .join('\n');
}
