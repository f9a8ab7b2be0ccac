/**
 * Rate-limit benchmark: items through the simulator's HTTP server, which enforces requests and
 * tokens per minute over a sliding window, driven by batchprompt's scheduler with the same limits.
 * Prints the share of each limit used in the busiest 60 s window (what a per-minute limit caps),
 * the average rates over the run, the 429s seen and the items lost. A rate averaged over a run
 * shorter than a minute is not a share of a per-minute limit: such a run may use its burst and a
 * few seconds of refill, which scaled to a minute reads as more than the limit (a 4.5 s run read
 * 150% that way with no 429).
 *
 *   npx tsx bench/rate-limit.ts [--items 2000] [--rpm 600] [--tpm 150000] [--latency-ms 300]
 *                               [--batch-size 32] [--concurrency 16] [--json] [--write]
 *
 * `--write` saves the figures to bench/results/rate-limit.json and rewrites the "Rate limits"
 * section of BENCHMARKS.md from them.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { streamBatchPrompt } from '../src/engine/batch-prompt.js';
import { peakWindowSum, type TimedAmount } from '../src/runtime/peak-window-sum.js';
import { startSimServer } from '../src/sim/serve.js';
import { loadItems } from '../src/source/load-items.js';
import { wrapChatModel } from '../src/spec/wrap-chat-model.js';
import { createModelStack } from '../src/stack/create-model-stack.js';
import { boolqTask } from '../src/task/builtin-tasks.js';
import { writeOwnedSection } from './owned-section.js';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '2000' },
    rpm: { type: 'string', default: '600' },
    tpm: { type: 'string', default: '150000' },
    'latency-ms': { type: 'string', default: '300' },
    'batch-size': { type: 'string', default: '32' },
    concurrency: { type: 'string', default: '16' },
    json: { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
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

const items = await loadItems(dataFile, boolqTask, { sample: itemCount, seed: 0 });
const server = await startSimServer({ task: boolqTask, items, seed: 0, latencyMs, rpm, tpm, quiet: true });
let clientRateLimited = 0;
let retries = 0;
const stack = await createModelStack({
  uri: 'openai-compatible:sim-gpt-4',
  baseUrl: server.url,
  task: boolqTask,
  concurrency: Number(values.concurrency),
  requestsPerMinute: rpm,
  tokensPerMinute: tpm,
  onEvent: (event) => {
    if (event.type === 'rate-limited') clientRateLimited += 1;
    if (event.type === 'retry') retries += 1;
  },
});

// Each reply's time and tokens, for the busiest minute; the server counts the same usage.
const replies: TimedAmount[] = [];
const model = wrapChatModel(stack.model, {
  generate: async (request, next) => {
    const result = await next(request);
    replies.push({ at: Date.now(), amount: result.usage.inputTokens + result.usage.outputTokens });
    return result;
  },
});
const startedAt = Date.now();
const stream = streamBatchPrompt({
  task: boolqTask,
  items,
  model,
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
const peakTokens = peakWindowSum(replies, 60_000);
const peakRequests = peakWindowSum(
  replies.map((reply) => ({ at: reply.at, amount: 1 })),
  60_000,
);
const figures = {
  items: items.length,
  wallSeconds: Math.round(wallMs / 100) / 10,
  requests: stats.requests,
  answered429: stats.rateLimited,
  share429: stats.requests === 0 ? 0 : stats.rateLimited / stats.requests,
  requestsPerMinute: acceptedRequests / minutes,
  tokensPerMinute: tokens / minutes,
  /** Requests and tokens answered in the busiest 60 s window, and their shares of the limits. */
  peakMinuteRequests: peakRequests,
  peakMinuteTokens: peakTokens,
  rpmFraction: peakRequests / rpm,
  tpmFraction: peakTokens / tpm,
  retries,
  clientRateLimited,
  itemsAnswered: answered,
  itemsLost: lost,
};
const binding = figures.rpmFraction >= figures.tpmFraction ? 'requests' : 'tokens';
const command = `npx tsx bench/rate-limit.ts --items ${itemCount} --rpm ${rpm} --tpm ${tpm} --latency-ms ${latencyMs} --batch-size ${values['batch-size']} --concurrency ${values.concurrency}`;
const lines = [
  `${items.length} BoolQ items (sampled with seed 0), BPE+SEAS, batch ${values['batch-size']}, 5 rounds, through the openai-compatible adapter and the scheduler (concurrency ${values.concurrency}, limits ${rpm} requests/min and ${tpm} tokens/min) to the simulator's HTTP server, which enforces the same limits over a sliding 60 s window, counting billed usage (prompt, then prompt and completion), and answers ${latencyMs} ms after each request.`,
  '',
  '| figure | value |',
  '| --- | --- |',
  `| wall time | ${figures.wallSeconds} s |`,
  `| requests sent | ${stats.requests} |`,
  `| answered 429 | ${stats.rateLimited} (${(figures.share429 * 100).toFixed(2)}% of requests) |`,
  `| requests in the busiest minute | ${peakRequests} (${(figures.rpmFraction * 100).toFixed(1)}% of the limit) |`,
  `| tokens in the busiest minute | ${peakTokens} (${(figures.tpmFraction * 100).toFixed(1)}% of the limit) |`,
  `| average requests / tokens per minute over the run | ${figures.requestsPerMinute.toFixed(1)} / ${Math.round(figures.tokensPerMinute)} |`,
  `| binding limit | ${binding} |`,
  `| items answered / lost | ${answered} / ${lost} |`,
  '',
  `The shares of the limits are of the busiest 60 s window of replies (what a per-minute limit caps); the averages are over the whole run, first request to last reply, and overstate a run shorter than a minute. Reproduce: \`${command} --write\` (\`--write\` updates this section and bench/results/rate-limit.json).`,
];
if (values.json) console.log(JSON.stringify(figures, null, 2));
else console.log(lines.join('\n'));
if (values.write) {
  const root = resolve(import.meta.dirname, '..');
  writeFileSync(
    join(root, 'bench/results/rate-limit.json'),
    `${JSON.stringify({ command, ...figures }, null, 2)}\n`,
  );
  writeOwnedSection('Rate limits', lines);
}
