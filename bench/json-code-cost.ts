import { batchTag } from '../src/engine/seeded-random.js';
import { renderBatch, renderJsonAnswerEntry } from '../src/prompt/render-batch.js';
import { countMessageTokens, countTokens } from '../src/spec/count-tokens.js';
import { boolqTask, qqpTask, rteTask } from '../src/task/builtin-tasks.js';
import type { Task } from '../src/task/task-schema.js';

/*
 * What the batch code in every JSON entry costs: output tokens (o200k) of a whole JSON reply with
 * `"code"` in each entry, as the prompt asks, against the same reply without it, as the prompt
 * asked before; and the input tokens the longer format text and worked example add per call.
 * Codes are real batch codes (batchTag), averaged over 200 batches; labels cycle through the set.
 * Usage: npx tsx bench/json-code-cost.ts
 */

const batchSizes = [1, 16, 32, 64];
const batches = 200;

function replyTokens(task: Task, size: number, withCode: boolean): number {
  const labels = task.answer.type === 'labels' ? task.answer.labels.map((label) => label.value) : ['x'];
  let total = 0;
  for (let batch = 0; batch < batches; batch += 1) {
    const tag = batchTag('cost', batch, size);
    const answers = Array.from({ length: size }, (_, index) => {
      const entry = renderJsonAnswerEntry(
        index,
        tag,
        labels[(index * 7 + batch) % labels.length]!,
        index % 5 !== 0,
      );
      if (withCode) return entry;
      const { code: _code, ...withoutCode } = entry;
      return withoutCode;
    });
    total += countTokens(JSON.stringify({ answers }));
  }
  return total / batches;
}

function promptTokens(task: Task, format: 'lines' | 'json'): number {
  const item = { fields: Object.fromEntries(task.fields.map((field) => [field.name, 'x'])) };
  return countMessageTokens(renderBatch(task, [item], { format, tag: 'abcd' }).messages);
}

console.log('task   batch  reply tokens without code  with code  extra per answer  extra share');
for (const task of [boolqTask, rteTask, qqpTask]) {
  for (const size of batchSizes) {
    const without = replyTokens(task, size, false);
    const withCode = replyTokens(task, size, true);
    console.log(
      `${task.name.padEnd(6)} ${String(size).padStart(5)}  ${without.toFixed(1).padStart(26)}  ${withCode.toFixed(1).padStart(9)}  ${((withCode - without) / size).toFixed(2).padStart(16)}  ${(((withCode - without) / without) * 100).toFixed(1).padStart(10)}%`,
    );
  }
}
console.log('\nInput tokens of a one-item call (system message, worked example, framing), by format:');
for (const task of [boolqTask, rteTask, qqpTask]) {
  console.log(
    `${task.name.padEnd(6)} lines ${promptTokens(task, 'lines')}  json ${promptTokens(task, 'json')}`,
  );
}
