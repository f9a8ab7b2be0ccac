/**
 * Rate-limit benchmark: items through the simulator's HTTP server, which enforces requests and
 * tokens per minute over a sliding window, driven by batchprompt's scheduler with the same limits.
 * Prints the achieved rates as fractions of the limits, the 429s seen and the items lost.
 *
 *   npx tsx bench/rate-limit.ts [--items 2000] [--rpm 600] [--tpm 150000] [--latency-ms 300]
 *                               [--batch-size 32] [--concurrency 16] [--json]
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildModelStack } from '../src/cli/model-stack.js';
import { streamBatchPrompt } from '../src/engine/batch-prompt.js';
import { loadJsonlItems } from '../src/eval/load-items.js';
import { startSimServer } from '../src/sim/serve.js';
import { boolqTask } from '../src/task/builtin-tasks.js';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '2000' },
    rpm: { type: 'string', default: '600' },
    tpm: { type: 'string', default: '150000' },
    'latency-ms': { type: 'string', default: '300' },
    'batch-size': { type: 'string', default: '32' },
    concurrency: { type: 'string', default: '16' },
    json: { type: 'boolean', default: false },
  },
});

const itemCount = Number(values.items);
const rpm = Number(values.rpm);
const tpm = Number(values.tpm);
const latencyMs = Number(values['latency-ms']);
const dataDir = process.env.BATCHPROMPT_DATA_DIR ?? resolve('../shared/data');
const dataFile = join(dataDir, 'boolq.dev.jsonl');
if (!existsSync(dataFile)) {
  console.error(`no data at ${dataFile}: set BATCHPROMPT_DATA_DIR`);
  process.exit(3);
}

const items = await loadJsonlItems(dataFile, boolqTask, { sample: itemCount, seed: 0 });
const server = await startSimServer({ task: boolqTask, items, seed: 0, latencyMs, rpm, tpm, quiet: true });
let clientRateLimited = 0;
let retries = 0;
const stack = buildModelStack({
  uri: 'openai-compatible:sim-gpt-4',
  baseUrl: server.url,
  task: boolqTask,
  concurrency: Number(values.concurrency),
  requestsPerMinute: rpm,
  tokensPerMinute: tpm,
  onSchedulerEvent: (event) => {
    if (event.type === 'rate-limited') clientRateLimited += 1;
    if (event.type === 'retry') retries += 1;
  },
});

const startedAt = Date.now();
const stream = streamBatchPrompt({
  task: boolqTask,
  items,
  model: stack.model,
  batchSize: Number(values['batch-size']),
  rounds: 5,
  format: 'lines',
});
let answered = 0;
let lost = 0;
for await (const result of stream) {
  if (result.status === 'answered') answered += 1;
  else lost += 1;
}
const wallMs = Date.now() - startedAt;
const stats = server.stats();
await server.close();

const minutes = wallMs / 60_000;
const acceptedRequests = stats.requests - stats.rateLimited;
const tokens = stats.promptTokens + stats.completionTokens;
const figures = {
  items: items.length,
  wallSeconds: Math.round(wallMs / 100) / 10,
  requests: stats.requests,
  answered429: stats.rateLimited,
  share429: stats.requests === 0 ? 0 : stats.rateLimited / stats.requests,
  requestsPerMinute: acceptedRequests / minutes,
  tokensPerMinute: tokens / minutes,
  rpmFraction: acceptedRequests / minutes / rpm,
  tpmFraction: tokens / minutes / tpm,
  retries,
  clientRateLimited,
  itemsAnswered: answered,
  itemsLost: lost,
};
if (values.json) console.log(JSON.stringify(figures, null, 2));
else {
  const binding = figures.rpmFraction >= figures.tpmFraction ? 'requests' : 'tokens';
  console.log(
    `rate-limit benchmark: ${items.length} BoolQ items, simulated server (sim:gpt-4) at ${rpm} rpm / ${tpm} tpm, latency ${latencyMs} ms`,
  );
  console.log(
    `wall time ${figures.wallSeconds} s, ${stats.requests} requests, ${stats.rateLimited} answered 429 (${(figures.share429 * 100).toFixed(2)}%)`,
  );
  console.log(
    `achieved ${figures.requestsPerMinute.toFixed(1)} requests/min (${(figures.rpmFraction * 100).toFixed(1)}% of the limit), ${Math.round(figures.tokensPerMinute)} tokens/min (${(figures.tpmFraction * 100).toFixed(1)}% of the limit); binding: ${binding}`,
  );
  console.log(`items answered ${answered}, lost ${lost}`);
}
