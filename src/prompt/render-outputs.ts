import type { JsonSchema } from '../spec/chat-model.js';
import { noLabelsWord } from '../task/check-task-outputs.js';
import type { MultiOutputTask, OutputAnswerSpace, TaskOutput } from '../task/task-schema.js';

/*
 * The prompt text of a task with several outputs: the questions, the reply line or JSON entry
 * that answers all of them for one input, and the JSON schema. Every call of a run shares the
 * system message, which names every output; a call that asks only some of them (a re-ask of the
 * outputs a reply left out, a later round of the outputs still voting) says so after its items.
 */

/** One output's answer as a reply writes it: a label, `a, b` for several, `none` for no label, a number, a text. */
export type OutputValue = string | number | readonly string[];

/** What a reply says for one output of one input. */
export interface OutputAnswerText {
  name: string;
  answer: OutputValue;
  confident: boolean;
}

/** The text of one output's answer: multi-choice sets as labels joined by `, `, or `none`. */
export function formatOutputValue(value: OutputValue): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  return value.length === 0 ? noLabelsWord : value.join(', ');
}

function isMultipleChoice(space: OutputAnswerSpace): boolean {
  return space.type === 'labels' && space.multiple;
}

/** The placeholder of one output's answer in the format text: `<label>`, `<labels>`, `<number>`, `<answer>`. */
function outputPlaceholder(output: TaskOutput): string {
  const space = output.answer;
  if (space.type === 'labels') return space.multiple ? '<labels>' : '<label>';
  return space.type === 'number' ? '<number>' : '<answer>';
}

/** How many labels a multi-choice output takes, in words. */
function describeChoiceCount(space: Extract<OutputAnswerSpace, { type: 'labels' }>): string {
  const min = space.min ?? 1;
  const max = space.max ?? space.labels.length;
  const all = max >= space.labels.length;
  const range =
    min === max ? `exactly ${min}` : all ? (min === 0 ? 'any' : `${min} or more`) : `${min} to ${max}`;
  const none = min === 0 ? `, or ${noLabelsWord} when no label applies` : '';
  return `${range} of these labels, separated by commas${none}`;
}

/** One output's question: its name and meaning, then what it may answer. */
function describeOutput(output: TaskOutput): string {
  const head = output.description === undefined ? output.name : `${output.name} (${output.description})`;
  const space = output.answer;
  if (space.type === 'number')
    return `- ${head}: ${space.integer ? 'a whole number' : 'a number'} (digits only)`;
  if (space.type === 'text') return `- ${head}: a short text of at most ${space.maxWords} words`;
  const which = space.multiple ? describeChoiceCount(space) : 'exactly one of these labels';
  const described = space.labels.some((label) => label.description !== undefined);
  if (!described) return `- ${head}: ${which}: ${space.labels.map((label) => label.value).join(', ')}`;
  return [
    `- ${head}: ${which}:`,
    ...space.labels.map((label) => `  - ${label.value}${label.description ? `: ${label.description}` : ''}`),
  ].join('\n');
}

/** The questions of a task with outputs, each with the answers it allows. */
export function describeOutputs(task: MultiOutputTask): string {
  return [
    `Answer ${task.outputs.length === 1 ? 'this question' : `these ${task.outputs.length} questions`} about each input:`,
    ...task.outputs.map(describeOutput),
  ].join('\n');
}

/** One reply line: `3 (k9q4): topic=billing sure; urgency=high unsure; mentions=refund, deadline sure`. */
export function renderOutputsAnswerLine(
  index: number | string,
  tag: string,
  answers: readonly OutputAnswerText[],
): string {
  const parts = answers.map(
    (entry) => `${entry.name}=${formatOutputValue(entry.answer)} ${entry.confident ? 'sure' : 'unsure'}`,
  );
  return `${index} (${tag}): ${parts.join('; ')}`;
}

/** One JSON entry: `{"id": "3 k9q4", "topic": "billing sure", "mentions": "refund, deadline sure"}`. */
export function renderOutputsJsonEntry(
  index: number | string,
  tag: string,
  answers: readonly OutputAnswerText[],
): Record<string, string> {
  const entry: Record<string, string> = { id: `${index} ${tag}` };
  for (const answer of answers)
    entry[answer.name] = `${formatOutputValue(answer.answer)} ${answer.confident ? 'sure' : 'unsure'}`;
  return entry;
}

function placeholders(outputs: readonly TaskOutput[]): OutputAnswerText[] {
  return outputs.map((output) => ({ name: output.name, answer: outputPlaceholder(output), confident: true }));
}

/** The reply format of a task with outputs: the line or entry answering every output of one input. */
export function describeOutputsFormat(task: MultiOutputTask, format: 'lines' | 'json'): string {
  const multiple = task.outputs.some((output) => isMultipleChoice(output.answer));
  const sets = multiple ? ` A ${'<labels>'} answer lists its labels separated by commas.` : '';
  if (format === 'json') {
    const entry = renderOutputsJsonEntry('<k>', '<code>', placeholders(task.outputs));
    return `Reply with a JSON object {"answers": [...]} holding one entry ${JSON.stringify(entry)} per input, in order: its number and the batch code, then one key per question, each answer followed by sure, or by unsure when you are not confident.${sets}`;
  }
  return `Reply with one line per input, in order, and nothing else:\n${renderOutputsAnswerLine('<k>', '<code>', placeholders(task.outputs))}\nEach answer is followed by sure, or by unsure when you are not confident; write every question's name as shown.${sets}`;
}

/** The outputs a call asks, in the task's order; all of them when `names` is undefined. */
export function askedOutputs(task: MultiOutputTask, names: readonly string[] | undefined): TaskOutput[] {
  if (names === undefined) return task.outputs;
  const wanted = new Set(names);
  const asked = task.outputs.filter((output) => wanted.has(output.name));
  if (asked.length === 0)
    throw new RangeError('Expected at least one of the task’s outputs to ask, got none');
  return asked;
}

/** The line or entry a reply should give per input for these outputs, in words. */
export function renderWantedOutputs(
  asked: readonly TaskOutput[],
  format: 'lines' | 'json',
  tag: string,
): string {
  return format === 'json'
    ? `one entry ${JSON.stringify(renderOutputsJsonEntry('<k>', tag, placeholders(asked)))} per input`
    : `one line "${renderOutputsAnswerLine('<k>', tag, placeholders(asked))}" per input`;
}

/**
 * The line after a call's items when it asks only some outputs: which ones, and the line or entry
 * that answers them. Undefined when the call asks every output.
 */
export function renderAskedOutputsLine(
  task: MultiOutputTask,
  asked: readonly TaskOutput[],
  format: 'lines' | 'json',
  tag: string,
): string | undefined {
  if (asked.length === task.outputs.length) return undefined;
  const names = asked.map((output) => output.name).join(', ');
  const wanted = renderWantedOutputs(asked, format, tag);
  return `This time answer only ${asked.length === 1 ? 'the question' : 'the questions'} ${names}: ${wanted}.`;
}

/** A label answer in a structured reply: one of the labels followed by its confidence word. */
export function labelAnswerSchema(labels: readonly { value: string }[]): JsonSchema {
  return {
    type: 'string',
    enum: labels.flatMap((label) => [`${label.value} sure`, `${label.value} unsure`]),
  };
}

/**
 * A structured reply `{"answers": [...]}` whose entries have exactly these properties, all
 * required, in this order (the order providers generate them in).
 */
export function answerListSchema(properties: Record<string, JsonSchema>): JsonSchema {
  return {
    type: 'object',
    properties: {
      answers: {
        type: 'array',
        items: { type: 'object', properties, required: Object.keys(properties), additionalProperties: false },
      },
    },
    required: ['answers'],
    additionalProperties: false,
  };
}

/**
 * The JSON schema of a structured reply for the outputs a call asks, in the portable subset
 * `answerJsonSchema` keeps to: each output a required string, an enum of label and confidence
 * word for a single-choice output.
 */
export function outputsJsonSchema(asked: readonly TaskOutput[]): JsonSchema {
  const properties: Record<string, JsonSchema> = { id: { type: 'string' } };
  for (const output of asked) {
    const space = output.answer;
    properties[output.name] =
      space.type === 'labels' && !space.multiple ? labelAnswerSchema(space.labels) : { type: 'string' };
  }
  return answerListSchema(properties);
}

/** The worked examples' answers as a reply gives them, every output of every example. */
export function renderOutputsExampleReply(
  task: MultiOutputTask,
  format: 'lines' | 'json',
  tag: string,
): string {
  const rows = task.examples.map((example) =>
    task.outputs.map((output) => ({
      name: output.name,
      answer: example.answers[output.name] ?? '',
      confident: example.confident,
    })),
  );
  if (format === 'json')
    return JSON.stringify({ answers: rows.map((row, index) => renderOutputsJsonEntry(index, tag, row)) });
  return rows.map((row, index) => renderOutputsAnswerLine(index, tag, row)).join('\n');
}

/** A reply answering `count` inputs of a task with outputs, each output with its first answer: what `plan` counts. */
export function renderOutputsReply(task: MultiOutputTask, format: 'lines' | 'json', count: number): string {
  const answers = task.outputs.map((output): OutputAnswerText => {
    const space = output.answer;
    const first =
      space.type === 'labels' ? (space.labels[0]?.value ?? 'yes') : space.type === 'number' ? 42 : 'answer';
    return {
      name: output.name,
      answer: space.type === 'labels' && space.multiple ? [String(first)] : first,
      confident: true,
    };
  });
  const indexes = Array.from({ length: count }, (_, index) => index);
  if (format === 'json')
    return JSON.stringify({
      answers: indexes.map((index) => renderOutputsJsonEntry(index, 'abcd', answers)),
    });
  return indexes.map((index) => renderOutputsAnswerLine(index, 'abcd', answers)).join('\n');
}

/** The longest answer an output allows, as a reply writes it: what the output cap is sized for. */
function longestOutputValue(output: TaskOutput): OutputValue {
  const space = output.answer;
  if (space.type === 'number') return '-1234567.89';
  if (space.type === 'text') return 'word '.repeat(space.maxWords).trim();
  const values = space.labels.map((label) => label.value);
  if (space.multiple) return values.slice(0, space.max ?? values.length);
  return values.reduce((best, value) => (value.length > best.length ? value : best), '');
}

/**
 * The longest line or JSON entry a reply may give one input of a task with outputs, every output
 * answered with its longest answer and tagged unsure: the output cap per item is sized on it.
 */
export function longestOutputsAnswer(task: MultiOutputTask, format: 'lines' | 'json'): string {
  const answers = task.outputs.map((output) => ({
    name: output.name,
    answer: longestOutputValue(output),
    confident: false,
  }));
  return format === 'json'
    ? `${JSON.stringify(renderOutputsJsonEntry(9999, 'abcd', answers))},`
    : renderOutputsAnswerLine(9999, 'abcd', answers);
}
