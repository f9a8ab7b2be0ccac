import { batchTag } from '../src/engine/seeded-random.js';
import { renderAnswerLine, renderBatch, renderJsonAnswerEntry } from '../src/prompt/render-batch.js';
import { countMessageTokens, countTokens } from '../src/spec/count-tokens.js';
import { boolqTask, qqpTask, rteTask } from '../src/task/builtin-tasks.js';
import type { SingleOutputTask as Task } from '../src/task/task-schema.js';

/*
 * What one answer costs in a JSON reply, by entry shape: output tokens (o200k) of whole replies,
 * per entry, for candidate shapes of the JSON format, beside the answer line. Codes are real batch
 * codes (batchTag), averaged over 200 batches of each size; labels cycle through the task's set
 * and every fifth answer is unsure. Each candidate says whether every entry carries the batch code
 * (what keeps an entry copied from an item, a quoted example or another batch from being read as
 * this batch's) and whether its schema fits every provider that takes one.
 * Usage: npx tsx bench/json-code-cost.ts
 */

interface Answer {
  index: number;
  label: string;
  sure: boolean;
}

interface Candidate {
  name: string;
  /** Every entry carries the batch code, so copies and other batches' entries are never read. */
  codePerEntry: boolean;
  /** The schema fits OpenAI strict mode, Anthropic, the AI SDK's Google conversion and a local grammar. */
  schema: string;
  reply: (tag: string, answers: readonly Answer[]) => string;
}

const word = (answer: Answer) => (answer.sure ? 'sure' : 'unsure');

const candidates: Candidate[] = [
  {
    name: 'earlier: {id, code, answer, confident}',
    codePerEntry: true,
    schema: 'fits',
    reply: (tag, answers) =>
      JSON.stringify({
        answers: answers.map((a) => ({ id: a.index, code: tag, answer: a.label, confident: a.sure })),
      }),
  },
  {
    name: 'short keys: {i, c, a, s}',
    codePerEntry: true,
    schema: 'fits',
    reply: (tag, answers) =>
      JSON.stringify({ answers: answers.map((a) => ({ i: a.index, c: tag, a: a.label, s: a.sure })) }),
  },
  {
    name: 'code once: {code, answers: [{id, answer, sure}]}',
    codePerEntry: false,
    schema: 'fits',
    reply: (tag, answers) =>
      JSON.stringify({
        code: tag,
        answers: answers.map((a) => ({ id: a.index, answer: a.label, sure: a.sure })),
      }),
  },
  {
    name: 'code once, word in answer: {code, answers: [{id, answer}]}',
    codePerEntry: false,
    schema: 'fits',
    reply: (tag, answers) =>
      JSON.stringify({
        code: tag,
        answers: answers.map((a) => ({ id: a.index, answer: `${a.label} ${word(a)}` })),
      }),
  },
  {
    name: 'code once, tuples: {code, answers: [[id, answer, sure]]}',
    codePerEntry: false,
    schema:
      "needs prefixItems: refused by OpenAI strict mode, not among Anthropic's keywords, dropped by the AI SDK's Google conversion",
    reply: (tag, answers) =>
      JSON.stringify({ code: tag, answers: answers.map((a) => [a.index, a.label, a.sure]) }),
  },
  {
    name: 'code in id, sure field: {id: "12 k9q4", answer, sure}',
    codePerEntry: true,
    schema: 'fits',
    reply: (tag, answers) =>
      JSON.stringify({
        answers: answers.map((a) => ({ id: `${a.index} ${tag}`, answer: a.label, sure: a.sure })),
      }),
  },
  {
    name: 'chosen: code in id, word in answer: {id: "12 k9q4", answer}',
    codePerEntry: true,
    schema: 'fits',
    reply: (tag, answers) =>
      JSON.stringify({ answers: answers.map((a) => renderJsonAnswerEntry(a.index, tag, a.label, a.sure)) }),
  },
  {
    name: 'code in id, glued: {id: "k9q412", answer}',
    codePerEntry: true,
    schema: 'fits',
    reply: (tag, answers) =>
      JSON.stringify({
        answers: answers.map((a) => ({ id: `${tag}${a.index}`, answer: `${a.label} ${word(a)}` })),
      }),
  },
  {
    name: 'answer lines as strings: {answers: ["12 (k9q4): label sure"]}',
    codePerEntry: true,
    schema: 'fits, but a grammar keeps only strings: no label enum without `pattern`',
    reply: (tag, answers) =>
      JSON.stringify({ answers: answers.map((a) => renderAnswerLine(a.index, tag, a.label, a.sure)) }),
  },
  {
    name: 'lines format (not JSON)',
    codePerEntry: true,
    schema: '-',
    reply: (tag, answers) => answers.map((a) => renderAnswerLine(a.index, tag, a.label, a.sure)).join('\n'),
  },
];

const tasks = [rteTask, boolqTask, qqpTask];
const batchSizes = [16, 32, 64];
const batches = 200;

/** Output tokens per entry of a candidate's replies, over batches of `size` answers. */
function tokensPerEntry(candidate: Candidate, task: Task, size: number): number {
  const labels = task.answer.type === 'labels' ? task.answer.labels.map((label) => label.value) : ['x'];
  let total = 0;
  for (let batch = 0; batch < batches; batch += 1) {
    const tag = batchTag('cost', batch, size);
    const answers = Array.from({ length: size }, (_, index) => ({
      index,
      label: labels[(index * 7 + batch) % labels.length]!,
      sure: index % 5 !== 0,
    }));
    total += countTokens(candidate.reply(tag, answers));
  }
  return total / batches / size;
}

function promptTokens(task: Task, format: 'lines' | 'json'): number {
  const item = { fields: Object.fromEntries(task.fields.map((field) => [field.name, 'x'])) };
  return countMessageTokens(renderBatch(task, [item], { format, tag: 'abcd' }).messages);
}

console.log(
  'Output tokens per answer entry (o200k), batches of 32; in parentheses: change from the earlier JSON entry',
);
console.log(
  `${'shape'.padEnd(64)} ${tasks.map((task) => task.name.padStart(14)).join(' ')}  code per entry  schema`,
);
const earlier = tasks.map((task) => tokensPerEntry(candidates[0]!, task, 32));
for (const candidate of candidates) {
  const cells = tasks.map((task, position) => {
    const tokens = tokensPerEntry(candidate, task, 32);
    const change = ((tokens - earlier[position]!) / earlier[position]!) * 100;
    return `${tokens.toFixed(2)} (${change >= 0 ? '+' : ''}${change.toFixed(0)}%)`.padStart(14);
  });
  console.log(
    `${candidate.name.padEnd(64)} ${cells.join(' ')}  ${(candidate.codePerEntry ? 'yes' : 'no').padEnd(14)}  ${candidate.schema}`,
  );
}

console.log('\nThe chosen entry by batch size (per entry, RTE):');
const chosen = candidates.find((candidate) => candidate.name.startsWith('chosen'))!;
for (const size of batchSizes) {
  console.log(
    `batch ${String(size).padStart(2)}: earlier ${tokensPerEntry(candidates[0]!, rteTask, size).toFixed(2)}, chosen ${tokensPerEntry(chosen, rteTask, size).toFixed(2)}`,
  );
}

console.log('\nInput tokens of a one-item call (system message, worked example, framing), by format:');
for (const task of tasks) {
  console.log(
    `${task.name.padEnd(6)} lines ${promptTokens(task, 'lines')}  json ${promptTokens(task, 'json')}`,
  );
}
