import type { Answer } from '../parse/normalize-answer.js';
import { readRenderedBatch } from '../prompt/read-rendered-batch.js';
import {
  formatOutputValue,
  type OutputAnswerText,
  renderOutputsAnswerLine,
  renderOutputsJsonEntry,
} from '../prompt/render-outputs.js';
import type { GenerateRequest } from '../spec/chat-model.js';
import { taskForOutput } from '../task/task-outputs.js';
import type { MultiOutputTask, SingleOutputTask, TaskOutput } from '../task/task-schema.js';
import { createSimModel, type SimModel, type SimModelOptions, simulatedReply } from './create-sim-model.js';
import { catalogKey, createItemCatalog, type ItemCatalog } from './item-catalog.js';
import { decodeOutputGold, encodeOutputsGold } from './outputs-gold.js';
import { type SimProfileName, simProfiles } from './profiles.js';
import { type ReplyEntry, type ReplyEntryWriter, renderSimReply } from './render-sim-reply.js';
import { hashUniforms, textDigest } from './sim-random.js';

/*
 * The simulated model of a task with several outputs. Each output of an item is its own question
 * with its own gold answer and difficulty: it is answered by the single-question simulator of that
 * output (a multi-choice output: one yes/no question per label, the set being the labels answered
 * yes), keyed on the item and the output, so outputs are right or wrong independently. Asking more
 * outputs in one prompt may cost accuracy, by profile (`outputCountLoss`). Replies are written in
 * the asked format with the profile's formatting faults, as single-question replies are
 * (`outputsReplyWriter`); the other layouts of `SimReplyLayout` are not written for outputs.
 */

/** How asking several outputs in one prompt costs a profile accuracy. */
export interface OutputCountLoss {
  /** How many outputs one prompt may ask with no loss. */
  freeOutputs: number;
  /** Chance, per output asked beyond `freeOutputs`, that an answer is replaced by a wrong one. */
  perExtraOutput: number;
}

/**
 * `frontier`: Pipal et al. 2026 (arXiv 2604.03684, eight production models, 3,962 expert-coded
 * texts) found stacking up to 10 coding variables in one prompt comparable to coding one variable
 * at a time, so up to 10 outputs cost nothing here (their "within 2 points" is about batching up
 * to 100 items, which the single-question simulator models, not about outputs). Where they saw a
 * loss it followed the task's difficulty, not the prompt's length, with no per-output figure we
 * could use past 10: 0.2 points per output beyond the tenth is our assumption. The paper profiles (`gpt-4`, `gpt-3.5`) are older
 * models with no published figure: we assume they lose 0.5 and 1 point per output beyond the first.
 */
export const outputCountLoss: Readonly<Record<SimProfileName, OutputCountLoss>> = {
  frontier: { freeOutputs: 10, perExtraOutput: 0.002 },
  'gpt-4': { freeOutputs: 1, perExtraOutput: 0.005 },
  'gpt-3.5': { freeOutputs: 1, perExtraOutput: 0.01 },
};

/** The chance that one answer of a prompt asking `asked` outputs is replaced by a wrong one. */
export function outputCountLossChance(profile: SimProfileName, asked: number): number {
  const { freeOutputs, perExtraOutput } = outputCountLoss[profile];
  return perExtraOutput * Math.max(0, asked - freeOutputs);
}

/** An output's catalog, seen through the catalog of the whole task: its own gold and identity per item. */
function outputCatalog(
  whole: ItemCatalog,
  key: string,
  goldOf: (encoded: Answer | undefined) => Answer | undefined,
): ItemCatalog {
  // The first 16 hex digits are all a catalog keeps of a digest: derive the output's from them.
  const derive = (prefix: string) => textDigest(`${prefix}\u0001${key}`);
  const hex = (half: number) => (half >>> 0).toString(16).padStart(8, '0');
  return {
    find(fields) {
      const found = whole.find(fields);
      return found === undefined
        ? undefined
        : { digest: derive(found.digest.slice(0, 16)), gold: goldOf(found.gold) };
    },
    digestOf: (fields) => derive(whole.digestOf(fields).slice(0, 16)),
    add() {
      throw new Error('an output’s catalog is read through the task’s: add items to that one');
    },
    forEachLabelled(visit) {
      whole.forEachLabelled((high, low) => visit(...catalogKey(derive(hex(high) + hex(low)))));
    },
    get size() {
      return whole.size;
    },
  };
}

/** The yes/no question of one label of a multi-choice output. */
function labelTask(task: MultiOutputTask, output: TaskOutput, label: string): SingleOutputTask {
  return {
    name: `${task.name}.${output.name}.${label}`,
    instruction: `${task.instruction}\n\nDoes ${output.name} include ${label}?`,
    fields: task.fields,
    reasoning: false,
    answer: {
      type: 'labels',
      labels: [
        { value: 'yes', aliases: [] },
        { value: 'no', aliases: [] },
      ],
    },
    examples: [],
  };
}

type Decider = (
  fields: Readonly<Record<string, string>>,
  request: string,
  position: number,
  size: number,
) => OutputAnswerText;

function outputDecider(
  options: SimModelOptions & { task: MultiOutputTask },
  catalog: ItemCatalog,
  output: TaskOutput,
): Decider {
  const { task } = options;
  const model = (
    key: string,
    questionTask: SingleOutputTask,
    goldOf: (gold: unknown) => Answer | undefined,
  ): SimModel => {
    const { items: _items, goldOf: rowGold, ...common } = options;
    return createSimModel({
      ...common,
      task: questionTask,
      catalog: outputCatalog(catalog, key, goldOf),
      ...(rowGold === undefined
        ? {}
        : { goldOf: (fields) => goldOf(encodeOutputsGold(task, rowGold(fields))) }),
    });
  };
  const space = output.answer;
  if (space.type === 'labels' && space.multiple) {
    const labels = space.labels.map((label) => {
      const inSet = (gold: unknown) => {
        const set = decodeOutputGold(gold, output.name);
        return Array.isArray(set) ? (set.includes(label.value) ? 'yes' : 'no') : undefined;
      };
      return {
        label: label.value,
        model: model(`${output.name}\u0001${label.value}`, labelTask(task, output, label.value), inSet),
      };
    });
    return (fields, request, position, size) => {
      const answers = labels.map((entry) => ({
        label: entry.label,
        ...entry.model.answerItem(fields, request, position, size),
      }));
      return {
        name: output.name,
        answer: answers.filter((entry) => entry.answer === 'yes').map((entry) => entry.label),
        confident: answers.every((entry) => entry.confident),
      };
    };
  }
  const single = model(output.name, taskForOutput(task, output.name) as SingleOutputTask, (gold) => {
    const value = decodeOutputGold(gold, output.name);
    return Array.isArray(value) ? undefined : (value as Answer | undefined);
  });
  return (fields, request, position, size) => ({
    name: output.name,
    ...single.answerItem(fields, request, position, size),
  });
}

/** A wrong answer for an output, drawn from `draw` in [0, 1): another label, a number off by one, other words. */
function wrongAnswer(
  output: TaskOutput,
  given: OutputAnswerText['answer'],
  draw: number,
): OutputAnswerText['answer'] {
  const space = output.answer;
  if (space.type === 'number') return Number(given) + 1;
  if (space.type === 'text') return `${String(given)} perhaps`;
  const values = space.labels.map((label) => label.value);
  if (space.multiple) {
    // One label in or out of the set.
    const label = values[Math.floor(draw * values.length)]!;
    const set = given as readonly string[];
    return set.includes(label)
      ? set.filter((entry) => entry !== label)
      : values.filter((entry) => set.includes(entry) || entry === label);
  }
  const others = values.filter((value) => value !== given);
  return others[Math.floor(draw * others.length)] ?? given;
}

/** The outputs the last user message asks, from the line a call asking only some of them ends with. */
function askedOutputs(task: MultiOutputTask, text: string): TaskOutput[] {
  const only = /This time answer only the questions? ([^:\n]+):/.exec(text);
  if (only === null) return task.outputs;
  const names = new Set(only[1]!.split(',').map((name) => name.trim()));
  return task.outputs.filter((output) => names.has(output.name));
}

/**
 * How the simulator writes the entries of a reply to a task with outputs: an entry's answer is the
 * number of its row of answers (`rows`), and the conflicting answer of a repeated index is that row
 * with its first output answered otherwise. The reply then carries the formatting faults of a
 * single-question reply (`renderSimReply`): skipped, repeated or extra indexes, numbering off by
 * one, chatter, drift into sentences.
 */
export function outputsReplyWriter(
  task: MultiOutputTask,
  rows: readonly (readonly OutputAnswerText[])[],
): { writer: ReplyEntryWriter; conflictingAnswer: (answer: Answer) => Answer } {
  const conflictMark = '!';
  const rowOf = (entry: ReplyEntry): readonly OutputAnswerText[] => {
    const key = String(entry.answer);
    const row = rows[Number.parseInt(key, 10)] ?? [];
    if (!key.endsWith(conflictMark) || row.length === 0) return row;
    const [first, ...rest] = row;
    const output = task.outputs.find((candidate) => candidate.name === first!.name)!;
    return [{ ...first!, answer: wrongAnswer(output, first!.answer, 0.5) }, ...rest];
  };
  return {
    writer: {
      line: (entry, tag) => renderOutputsAnswerLine(entry.index, tag, rowOf(entry)),
      json: (entry, tag) => renderOutputsJsonEntry(entry.index, tag, rowOf(entry)),
      sentence: (entry) =>
        `Input ${entry.index} is ${rowOf(entry)
          .map((answer) => `${answer.name} ${formatOutputValue(answer.answer)}`)
          .join(', ')}, I think.`,
    },
    conflictingAnswer: (answer) => `${String(answer)}${conflictMark}`,
  };
}

export function createOutputsSimModel(options: SimModelOptions & { task: MultiOutputTask }): SimModel {
  const { task } = options;
  const profile = options.profile ?? 'gpt-4';
  const seed = options.seed ?? 0;
  const catalog = options.catalog ?? createItemCatalog(task, options.items ?? []);
  const deciders = new Map(
    task.outputs.map((output) => [output.name, outputDecider(options, catalog, output)]),
  );

  function replyText(request: GenerateRequest): string {
    const lastUser = request.messages.findLast((message) => message.role === 'user')?.content ?? '';
    const rendered = readRenderedBatch(lastUser);
    if (rendered.length === 0) return 'I could not find any inputs to answer in your message.';
    const format = request.responseFormat?.type === 'json' ? 'json' : 'lines';
    const requestDigest = textDigest(
      [format, ...request.messages.map((message) => `${message.role}\u0002${message.content}`)].join(
        '\u0001',
      ),
    );
    const asked = askedOutputs(task, lastUser);
    const loss = outputCountLossChance(profile, asked.length);
    const tag = rendered[0]?.tag ?? '';
    const rows = rendered.map((entry, position) =>
      asked.map((output) => {
        const answer = deciders.get(output.name)!(entry.fields, requestDigest, position, rendered.length);
        const [slip = 1, draw = 0] = hashUniforms(
          2,
          'output-count',
          seed,
          requestDigest,
          position,
          output.name,
        );
        if (slip >= loss) return answer;
        return { ...answer, answer: wrongAnswer(output, answer.answer, draw) };
      }),
    );
    const { writer, conflictingAnswer } = outputsReplyWriter(task, rows);
    return renderSimReply({
      entries: rendered.map((entry, row) => ({ index: entry.index, answer: String(row), confident: true })),
      writer,
      format,
      tag,
      faults: simProfiles[profile].faults,
      seed,
      requestDigest,
      conflictingAnswer,
      lineDrift: options.lineDrift ?? 0,
    }).text;
  }

  return {
    id: `sim:${profile}`,
    simulated: true,
    supportsJsonSchema: true,
    profile,
    seed,
    generate: (request) => simulatedReply(request, options.latencyMs ?? 0, replyText),
    answerItem() {
      throw new Error('a task with several outputs is answered output by output, in whole replies');
    },
  };
}
