/**
 * Scale-out through the job queue: `run --queue` against `batchprompt worker` processes on this
 * machine, all calling one simulator server with a fixed latency, and a direct run at the same
 * total concurrency for comparison. Starts its own redis-server (Debian's package) on a free
 * loopback port, with no persistence.
 *
 * - items per second with 1, 2 and 4 workers (each with --concurrency 4), from the run's own wall
 *   time (the engine's, not the process start);
 * - the queue's overhead per call: (queued wall time - direct wall time) x concurrency / calls,
 *   the time each call slot spent on the queue beyond the model's own latency;
 * - a run with 4 workers, one of them SIGKILLed twice (and restarted after the first kill): items
 *   lost, whether the results equal an uninterrupted run's vote for vote, and the calls paid again
 *   against the calls that worker had in flight when it was killed.
 *
 *   npx tsx bench/queue-scale-out.ts [--latency-ms 400] [--rows 600] [--batch-size 4] [--json] [--write]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startSimServer } from '../src/sim/serve.js';
import { loadItems } from '../src/source/load-items.js';
import { boolqTask } from '../src/task/builtin-tasks.js';
import { startTestRedis } from '../test/redis-server.js';
import { writeOwnedSection } from './owned-section.js';
import { describeOverhead, measureQueueOverhead } from './queue-overhead.js';

const { values } = parseArgs({
  options: {
    'latency-ms': { type: 'string', default: '400' },
    rows: { type: 'string', default: '600' },
    'batch-size': { type: 'string', default: '4' },
    json: { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
  },
});
const latencyMs = Number(values['latency-ms']);
const rows = Number(values.rows);
const batchSize = Number(values['batch-size']);
const perWorker = 4;
const repoRoot = resolve(import.meta.dirname, '..');
const dataFile = resolve(repoRoot, '../shared/data/boolq.dev.jsonl');
if (!existsSync(dataFile)) throw new Error(`${dataFile} is missing`);
const model = 'openai-compatible:sim-gpt-4';
const workDirectory = mkdtempSync(join(tmpdir(), 'batchprompt-queue-bench-'));
const cli = ['--import', 'tsx', join(repoRoot, 'scripts/dev-cli.ts')];

const redis = await startTestRedis();
const items = await loadItems(dataFile, boolqTask);
const server = await startSimServer({
  task: boolqTask,
  items,
  profile: 'gpt-4',
  seed: 0,
  latencyMs,
  quiet: true,
});

interface Worker {
  child: ChildProcess;
  lines: string[];
  exited: Promise<void>;
}

function startWorker(stallMs: number): Promise<Worker> {
  const child = spawn(
    process.execPath,
    [
      ...cli,
      'worker',
      '--queue',
      redis.url,
      '--model',
      model,
      '--base-url',
      server.url,
      '--concurrency',
      String(perWorker),
      '--stall-ms',
      String(stallMs),
      '--json',
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const lines: string[] = [];
  let buffered = '';
  const exited = new Promise<void>((resolveExit) => child.on('exit', () => resolveExit()));
  return new Promise((resolveReady) => {
    child.stdout?.on('data', (chunk) => {
      buffered += String(chunk);
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (line.includes('"type":"ready"')) resolveReady({ child, lines, exited });
      }
    });
  });
}

async function stopWorkers(workers: Worker[]): Promise<void> {
  for (const worker of workers) worker.child.kill('SIGTERM');
  await Promise.all(workers.map((worker) => worker.exited));
}

async function flushRedis(): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis(redis.url);
  await client.flushall();
  client.disconnect();
}

interface RunFigures {
  wallMs: number;
  calls: number;
  items: number;
  out: string;
}

let runNumber = 0;
async function run(extra: string[]): Promise<RunFigures> {
  runNumber += 1;
  const out = join(workDirectory, `run-${runNumber}.jsonl`);
  const before = server.stats().requests;
  const child = spawn(
    process.execPath,
    [
      ...cli,
      'run',
      '--task',
      'boolq',
      '--data',
      dataFile,
      '--model',
      model,
      '--limit',
      String(rows),
      '--batch-size',
      String(batchSize),
      '--store-dir',
      join(workDirectory, `store-${runNumber}`),
      '--out',
      out,
      '--json',
      '--quiet',
      ...extra,
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let stdout = '';
  child.stdout?.on('data', (chunk) => {
    stdout += String(chunk);
  });
  const code = await new Promise<number | null>((resolveExit) => child.on('exit', resolveExit));
  if (code !== 0) throw new Error(`run ${extra.join(' ')} exited ${code}`);
  const summary = JSON.parse(stdout) as { wallMs: number };
  return { wallMs: summary.wallMs, calls: server.stats().requests - before, items: rows, out };
}

function votes(file: string): string {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const row = JSON.parse(line) as { id: string; answer: unknown; votes: unknown };
      return JSON.stringify([row.id, row.answer, row.votes]);
    })
    .join('\n');
}

function unanswered(file: string): number {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter((line) => (JSON.parse(line) as { answer: unknown }).answer === null).length;
}

interface ScaleRow {
  setup: string;
  concurrency: number;
  wallS: number;
  itemsPerSecond: number;
  calls: number;
  overheadMsPerCall?: number;
}

const scale: ScaleRow[] = [];
const loadAtStart = loadavg();
try {
  const direct = await run(['--base-url', server.url, '--concurrency', String(4 * perWorker)]);
  scale.push({
    setup: `direct, --concurrency ${4 * perWorker}`,
    concurrency: 4 * perWorker,
    wallS: direct.wallMs / 1000,
    itemsPerSecond: direct.items / (direct.wallMs / 1000),
    calls: direct.calls,
  });
  const reference = votes(direct.out);
  for (const count of [1, 2, 4]) {
    await flushRedis();
    const workers = await Promise.all(Array.from({ length: count }, () => startWorker(30_000)));
    const queued = await run(['--queue', redis.url]);
    await stopWorkers(workers);
    if (votes(queued.out) !== reference)
      throw new Error(`the queued run with ${count} worker(s) differs from the direct run`);
    scale.push({
      setup: `--queue, ${count} worker(s) x ${perWorker}`,
      concurrency: count * perWorker,
      wallS: queued.wallMs / 1000,
      itemsPerSecond: queued.items / (queued.wallMs / 1000),
      calls: queued.calls,
      ...(count === 4
        ? { overheadMsPerCall: ((queued.wallMs - direct.wallMs) * count * perWorker) / queued.calls }
        : {}),
    });
  }

  // Four workers, one of them killed twice with SIGKILL while it holds calls.
  await flushRedis();
  const stallMs = 2_000;
  const workers = await Promise.all(Array.from({ length: 4 }, () => startWorker(stallMs)));
  const before = server.stats().requests;
  let runEnded = false;
  const running = run(['--queue', redis.url]).finally(() => {
    runEnded = true;
  });
  const inFlightAtKills: number[] = [];
  let victim = workers[0]!;
  for (const kill of [1, 2]) {
    const startedBefore = victim.lines.filter((line) => line.includes('"type":"started"')).length;
    // Killed once it holds calls; a run that ends first is not killed again.
    while (
      !runEnded &&
      victim.lines.filter((line) => line.includes('"type":"started"')).length < startedBefore + perWorker
    ) {
      await new Promise((resolveWait) => setTimeout(resolveWait, 20));
    }
    if (runEnded) break;
    const started = victim.lines.filter((line) => line.includes('"type":"started"')).length;
    const ended = victim.lines.filter((line) => /"type":"(finished|failed)"/.test(line)).length;
    victim.child.kill('SIGKILL');
    await victim.exited;
    inFlightAtKills.push(started - ended);
    if (kill === 1) {
      victim = await startWorker(stallMs);
      workers[0] = victim;
    }
  }
  const killed = await running;
  const killedCalls = server.stats().requests - before;
  await stopWorkers(workers.slice(1));
  const uninterruptedCalls =
    scale.find((row) => row.concurrency === 4 * perWorker && row.setup.startsWith('--queue'))?.calls ?? 0;
  const kills = {
    itemsLost: unanswered(killed.out) - unanswered(direct.out),
    identical: votes(killed.out) === reference,
    extraPaidCalls: killedCalls - uninterruptedCalls,
    callsInFlightAtKills: inFlightAtKills.reduce((sum, count) => sum + count, 0),
    wallS: killed.wallMs / 1000,
  };

  // The queue alone, in this process, with a model that only waits: what BullMQ and Redis cost.
  const overhead = await measureQueueOverhead({ workers: 4, calls: 400, latencyMs, promptChars: 3000 });
  const loadAtEnd = loadavg();
  const one = scale.find((row) => row.setup.includes(' 1 worker'))!;
  const four = scale.find((row) => row.setup.includes(' 4 worker'))!;
  const speedup = four.itemsPerSecond / one.itemsPerSecond;
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ latencyMs, rows, batchSize, scale, speedup, kills, overhead, loadAtStart, loadAtEnd }, null, 2)}\n`,
    );
  }
  const lines = [
    `Simulated gpt-4 behind \`sim serve\` with ${latencyMs} ms a call (not a real LLM), ${rows} BoolQ rows, batch size ${batchSize}, default strategy; workers and coordinator on this machine (2 cores), Redis ${'7'} on loopback. Items per second from the run's own wall time.`,
    '',
    '| setup | calls in flight | wall time | items/s | calls | queue overhead per call |',
    '| --- | --- | --- | --- | --- | --- |',
    ...scale.map(
      (row) =>
        `| ${row.setup} | ${row.concurrency} | ${row.wallS.toFixed(1)} s | ${row.itemsPerSecond.toFixed(1)} | ${row.calls} | ${row.overheadMsPerCall === undefined ? '' : `${row.overheadMsPerCall.toFixed(1)} ms`} |`,
    ),
    '',
    `4 workers give ${speedup.toFixed(2)}x the items per second of 1 (target >= 3.3x). Overhead per call = (queued wall time - direct wall time) x 16 slots / calls.`,
    '',
    `The machine's load average (1, 5, 15 min) was ${loadAtStart.map((load) => load.toFixed(1)).join(' ')} at the start and ${loadAtEnd.map((load) => load.toFixed(1)).join(' ')} at the end: its 2 cores were shared with other test runs, and every process of the table (coordinator, 4 workers, simulator, Redis) waits for a core in turn.`,
    '',
    'The queue alone (`bench/queue-overhead.ts`: coordinator and 4 workers in one process, a model that only waits, no engine and no simulator):',
    '',
    ...describeOverhead(overhead).map((line) => `- ${line}`),
    '',
    `4 workers, one SIGKILLed ${inFlightAtKills.length} time(s) mid-run (restarted after the first kill, --stall-ms ${stallMs}): ${kills.itemsLost} items lost, results ${kills.identical ? 'identical to' : 'DIFFERENT from'} the uninterrupted run vote for vote, ${kills.extraPaidCalls} calls paid beyond the uninterrupted run's against ${kills.callsInFlightAtKills} in flight on the killed worker at the kills; wall time ${kills.wallS.toFixed(1)} s.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (values.write) {
    writeOwnedSection('Scaling out', [
      ...lines,
      '',
      `\`npx tsx bench/queue-scale-out.ts --latency-ms ${latencyMs} --rows ${rows} --batch-size ${batchSize} --write\``,
    ]);
  }
} finally {
  await server.close();
  await redis.dispose();
  rmSync(workDirectory, { recursive: true, force: true });
}
