// A runnable example of the library API: `node examples/library.mjs` after `npm ci`.
// It answers the shipped demo questions with the simulated model; to use a real model, replace
// `createSimModel(...)` with `createModel('openai:gpt-4o-mini')` (reads OPENAI_API_KEY).
import { readFileSync } from 'node:fs';
import { batchPrompt, boolqTask, createScheduler, createSimModel, scheduleModel } from 'batchprompt';

const rows = readFileSync(new URL('./demo/yes-no.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n');
const items = rows
  .map((line) => JSON.parse(line))
  .map((row) => ({ id: row.id, fields: { question: row.question, passage: row.passage }, gold: row.label }));

// The simulated model knows the gold answers and imitates GPT-4's published behaviour.
const simulated = createSimModel({ task: boolqTask, items });
// Rate limits, retries and timeouts wrap any model.
const model = scheduleModel(simulated, createScheduler({ concurrency: 8, requestsPerMinute: 600 }));

const { results, summary } = await batchPrompt({
  task: boolqTask,
  items,
  model,
  strategy: 'bpe+seas',
  batchSize: 16,
  rounds: 5,
  voting: 'weighted',
});

console.log(results[0]);
console.log(
  `${summary.model}${summary.simulated ? ' (simulated)' : ''}: ${summary.answered}/${summary.items} answered, ` +
    `accuracy ${(summary.accuracy * 100).toFixed(1)}%, ${summary.calls} calls, ` +
    `${summary.inputTokens} input + ${summary.outputTokens} output tokens`,
);
