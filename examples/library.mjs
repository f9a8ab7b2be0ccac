// A runnable example of the library API: `node examples/library.mjs` after `npm ci`.
// It answers the shipped demo questions with the simulated model; to use a real model, change
// `uri: 'sim'` to `uri: 'openai:gpt-4o-mini'` (reads OPENAI_API_KEY) and drop `knownItems`.
import { readFileSync } from 'node:fs';
import { batchPrompt, boolqTask, createModelStack } from 'batchprompt';

const rows = readFileSync(new URL('./demo/yes-no.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n');
const items = rows
  .map((line) => JSON.parse(line))
  .map((row) => ({ id: row.id, fields: { question: row.question, passage: row.passage }, gold: row.label }));

// The model stack the command line uses: the adapter (here the simulated model, which knows the
// gold answers and imitates GPT-4's published behaviour) under the scheduler (rate limits,
// retries, timeouts); pass `store: openStore('.batchprompt')` to put the response cache on top.
const { model } = await createModelStack({
  uri: 'sim',
  task: boolqTask,
  knownItems: () => items,
  concurrency: 8,
  requestsPerMinute: 600,
});

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
