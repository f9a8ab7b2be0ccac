/**
 * Scale-out through the job queue: `run --queue` against `batchprompt worker` processes on this
 * machine, all calling one simulator server with a fixed latency, each beside a direct run with as
 * many calls in flight (workers x 4), so that what the queue costs is told apart from what the
 * run's own rounds and this machine allow. Starts its own redis-server (Debian's package) on a free
 * loopback port, with no persistence. For each workload:
 *
 * - items per second with 1, 2 and 4 workers (each with --concurrency 4) and of the direct runs at
 *   4, 8 and 16 calls in flight, from the run's own wall time (the engine's, not the process start);
 *   and a direct run with no limit on calls in flight: the least time the run's rounds take at this
 *   latency, which no number of workers can beat;
 * - the queue's overhead per call: (queued wall time - direct wall time) x calls in flight / calls,
 *   the time each call slot spent on the queue beyond the direct run's;
 * - where the time went, for every run: the calls the simulator had in flight (mean and peak over
 *   the calls' span, and the bursts the run's rounds asked them in), and the CPU seconds of each
 *   process (coordinator, workers, simulator, Redis), which all share this machine's two cores;
 *   from the no-limit run's bursts, the most 16 slots can gain over 4 when only latency takes time;
 *
 * and once, on the first workload, a run with 4 workers, one of them SIGKILLed twice (and restarted
 * after the first kill): items lost, whether the results equal an uninterrupted run's vote for vote,
 * and the calls paid again against the calls that worker had in flight when it was killed.
 *
 * Workloads (`--workloads`, comma-separated `name@latency-ms`, the latency `--latency-ms` when not
 * given): `default` is the default strategy (adaptive, batch 32); `one-round` is `--strategy batch`
 * (every call of the run at once, nothing to wait for between rounds).
 *
 * `--write` puts the figures of the workloads measured into bench/results/queue-scale-out.json,
 * replacing those of the same workload (kind, latency and rows) and keeping the others with the
 * commands that measured them, and renders BENCHMARKS.md's "Scaling out" section from that file.
 * `--write-from <file>` does the same with a saved `--json` output of this script instead of
 * measuring (given the flags it was measured with, which it checks against the file, and
 * `--code <commit>` if the file does not say which code it measured).
 *
 *   npx tsx bench/queue-scale-out.ts [--latency-ms 400] [--rows 3270] [--copies 1]
 *     [--workloads default@400,one-round@400,one-round@4000] [--json] [--write | --write-from <file> [--code <commit>]]
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type SimServer, startSimServer } from '../src/sim/serve.js';
import { loadItems } from '../src/source/load-items.js';
import { boolqTask } from '../src/task/builtin-tasks.js';
import { startTestRedis } from '../test/redis-server.js';
import { measureQueueOverhead } from './queue-overhead.js';
import { followProcessCpu, processCpuSeconds, redisCpuSeconds, watchSimCalls } from './queue-run-probes.js';
import {
  describeResults,
  type KillFigures,
  mergeMeasurement,
  readSavedMeasurement,
  type ScaleOutMeasurement,
  writeScaleOutSection,
} from './queue-scale-out-section.js';
import type { RunFigures, WorkloadFigures } from './queue-scale-out-tables.js';

const { values } = parseArgs({
  options: {
    'latency-ms': { type: 'string', default: '400' },
    rows: { type: 'string' },
    copies: { type: 'string', default: '1' },
    workloads: { type: 'string', default: 'default@400,one-round@400,one-round@4000' },
    json: { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
    'write-from': { type: 'string' },
    code: { type: 'string' },
  },
});
const perWorker = 4;
const workerCounts = [1, 2, 4];
const repoRoot = resolve(import.meta.dirname, '..');
const boolqFile = resolve(repoRoot, '../shared/data/boolq.dev.jsonl');
if (!existsSync(boolqFile)) throw new Error(`${boolqFile} is missing`);
const model = 'openai-compatible:sim-gpt-4';
const cli = ['--import', 'tsx', join(repoRoot, 'scripts/dev-cli.ts')];

export interface Workload {
  name: string;
  description: string;
  latencyMs: number;
  /** Flags of every run of the workload, beyond the task, data and model. */
  flags: string[];
}

const workloads: Workload[] = values.workloads.split(',').map((entry): Workload => {
  const [name, latency] = entry.split('@');
  const latencyMs = Number(latency ?? values['latency-ms']);
  if (!(latencyMs > 0)) throw new Error(`workload ${entry}: the latency after @ is not a number of ms`);
  if (name === 'default')
    return { name, description: 'default strategy (adaptive, batch size 32)', latencyMs, flags: [] };
  if (name === 'one-round')
    return {
      name,
      description: 'one round (--strategy batch, batch size 32): every call of the run asked at once',
      latencyMs,
      flags: ['--strategy', 'batch'],
    };
  throw new Error(`no workload ${name}: default or one-round`);
});

const copies = Number(values.copies);
if (!(Number.isInteger(copies) && copies >= 1)) throw new Error('--copies is a whole number >= 1');
/** The command that measures (and writes) what this invocation measures. */
const commandFor = (rowCount: number) =>
  `npx tsx bench/queue-scale-out.ts --rows ${rowCount}${copies === 1 ? '' : ` --copies ${copies}`} --workloads ${workloads.map((workload) => `${workload.name}@${workload.latencyMs}`).join(',')} --write`;
if (values['write-from'] !== undefined) {
  const rowCount = values.rows === undefined ? lineCount(boolqFile) * copies : Number(values.rows);
  const keys = workloads.map((workload) => `${workload.name}@${workload.latencyMs}`);
  const saved = readSavedMeasurement(values['write-from'], rowCount, keys, values.code);
  writeScaleOutSection(saved, commandFor(rowCount));
  process.exit(0);
}
// Made only when measuring: --write-from measures nothing and leaves no directory behind.
const workDirectory = mkdtempSync(join(tmpdir(), 'batchprompt-queue-bench-'));
const redis = await startTestRedis();
/**
 * BoolQ's dev rows, `--copies` times over, each copy's ids suffixed: a data set as large as a user
 * who outgrows one machine may have. The simulator knows items by their text, so a copy gets its
 * original's answers; the copies are asked in calls of their own, as new items are.
 */
const dataFile = copies === 1 ? boolqFile : join(workDirectory, `boolq-dev-x${copies}.jsonl`);
if (copies > 1) {
  const boolqLines = readFileSync(boolqFile, 'utf8').trim().split('\n');
  const copied = Array.from({ length: copies }, (_, copy) =>
    boolqLines.map((line) => {
      if (copy === 0) return line;
      const row = JSON.parse(line) as { id: string };
      return JSON.stringify({ ...row, id: `${row.id}-copy-${copy}` });
    }),
  );
  writeFileSync(dataFile, `${copied.flat().join('\n')}\n`);
}
const dataLabel =
  copies === 1
    ? 'BoolQ rows'
    : `BoolQ rows (its ${lineCount(boolqFile)} dev rows ${copies} times, the copies under new ids)`;
const items = await loadItems(dataFile, boolqTask);
const rows = values.rows === undefined ? items.length : Number(values.rows);
/** The simulator of the workload being measured (each workload has its latency). */
let server: SimServer | undefined;
/** The calls the simulator of the workload being measured has answered. */
let simCalls = watchSimCalls();

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
      server!.url,
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

let runNumber = 0;
/** One `run` with `extra` flags; `workers` are the worker processes serving it, if any. */
async function run(workload: Workload, extra: string[], workers: Worker[] = []): Promise<RunFigures> {
  runNumber += 1;
  const out = join(workDirectory, `run-${runNumber}.jsonl`);
  const before = server!.stats().requests;
  const mark = simCalls.mark();
  const workersCpuBefore = workers.map((worker) => processCpuSeconds(worker.child.pid));
  const redisCpuBefore = await redisCpuSeconds(redis.url);
  const benchCpuBefore = process.cpuUsage();
  const load = loadText();
  const spawnedAt = Date.now();
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
      ...workload.flags,
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
  const coordinatorCpu = followProcessCpu(child.pid);
  let stdout = '';
  child.stdout?.on('data', (chunk) => {
    stdout += String(chunk);
  });
  const code = await new Promise<number | null>((resolveExit) => child.on('exit', resolveExit));
  const processWallMs = Date.now() - spawnedAt;
  if (code !== 0) throw new Error(`run ${extra.join(' ')} exited ${code}`);
  const summary = JSON.parse(stdout) as { wallMs: number };
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const workersCpu = workers.map((worker, index) => {
    const now = processCpuSeconds(worker.child.pid);
    const then = workersCpuBefore[index];
    return now === undefined || then === undefined ? Number.NaN : now - then;
  });
  return {
    wallMs: summary.wallMs,
    calls: server!.stats().requests - before,
    items: rows,
    out,
    load,
    inFlight: simCalls.since(mark),
    processWallMs,
    cpu: {
      coordinator: coordinatorCpu.inLast(summary.wallMs) ?? Number.NaN,
      workers: workersCpu.reduce((sum, seconds) => sum + seconds, 0),
      simulator: (benchCpu.user + benchCpu.system) / 1e6,
      redis: (await redisCpuSeconds(redis.url)) - redisCpuBefore,
    },
  };
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

/** The lines of a text file. */
function lineCount(file: string): number {
  return readFileSync(file, 'utf8').trim().split('\n').length;
}

/** The machine's load average (1, 5, 15 minutes) as text, as `uptime` prints it. */
function loadText(): string {
  return loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');
}

/** Each worker count beside a direct run with as many calls in flight; votes must match throughout. */
async function measureWorkload(workload: Workload): Promise<WorkloadFigures> {
  const rowsOut: WorkloadFigures['rows'] = [];
  let reference: string | undefined;
  const same = (figures: RunFigures, what: string) => {
    reference ??= votes(figures.out);
    if (votes(figures.out) !== reference) throw new Error(`${what} differs from the first direct run`);
  };
  for (const count of workerCounts) {
    const slots = count * perWorker;
    const direct = await run(workload, ['--base-url', server!.url, '--concurrency', String(slots)]);
    same(direct, `the direct run at ${slots}`);
    await flushRedis();
    const workers = await Promise.all(Array.from({ length: count }, () => startWorker(30_000)));
    const queued = await run(workload, ['--queue', redis.url], workers);
    await stopWorkers(workers);
    same(queued, `the queued run with ${count} worker(s)`);
    rowsOut.push({ slots, workers: count, direct, queued });
    progress(`${workload.name}@${workload.latencyMs}: ${count} worker(s) done`);
  }
  const unbounded = await run(workload, ['--base-url', server!.url, '--concurrency', '100000']);
  same(unbounded, 'the direct run with no limit');
  return {
    workload,
    rows: rowsOut,
    unbounded,
    reference: reference!,
    rowsOfData: rows,
    dataLabel,
    perWorker,
  };
}

/** A line on stderr as the benchmark goes, with the machine's load. */
function progress(line: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line} (load ${loadText()})\n`);
}

/**
 * The calls a killed worker held: every time a job was taken again after its worker died (BullMQ
 * counts the times a job was taken in its `ats` field). A worker's own log cannot tell, since its
 * last lines may not have reached the pipe when it is killed.
 */
async function jobsTakenAgain(): Promise<number> {
  const { Redis } = await import('ioredis');
  const client = new Redis(redis.url);
  try {
    const keys = (await client.keys('batchprompt:*:call-*')).filter((key) => /:call-[^:]+$/.test(key));
    let again = 0;
    for (const key of keys) again += Math.max(0, Number((await client.hget(key, 'ats')) ?? 1) - 1);
    return again;
  } finally {
    client.disconnect();
  }
}

/** Four workers, one of them killed twice with SIGKILL while it holds calls. */
async function measureKills(figures: WorkloadFigures): Promise<KillFigures> {
  await flushRedis();
  const stallMs = 2_000;
  const workers = await Promise.all(Array.from({ length: 4 }, () => startWorker(stallMs)));
  const before = server!.stats().requests;
  let runEnded = false;
  const running = run(figures.workload, ['--queue', redis.url]).finally(() => {
    runEnded = true;
  });
  let kills = 0;
  let victim = workers[0]!;
  const started = () => victim.lines.filter((line) => line.includes('"type":"started"')).length;
  for (const kill of [1, 2]) {
    const startedBefore = started();
    // Killed once it has taken calls; a run that ends first is not killed again.
    while (!runEnded && started() < startedBefore + perWorker) {
      await new Promise((resolveWait) => setTimeout(resolveWait, 20));
    }
    if (runEnded) break;
    victim.child.kill('SIGKILL');
    await victim.exited;
    kills += 1;
    if (kill === 1) {
      victim = await startWorker(stallMs);
      workers[0] = victim;
    }
  }
  const killed = await running;
  const killedCalls = server!.stats().requests - before;
  // The victim of the last kill is gone; a restarted one the run outlived is stopped with the rest.
  await stopWorkers(
    workers.filter((worker) => worker.child.exitCode === null && worker.child.signalCode === null),
  );
  const uninterrupted = figures.rows.find((row) => row.workers === 4)!.queued;
  const [first] = figures.rows;
  return {
    kills,
    itemsLost: unanswered(killed.out) - unanswered(first!.direct.out),
    identical: votes(killed.out) === figures.reference,
    extraPaidCalls: killedCalls - uninterrupted.calls,
    callsInFlightAtKills: await jobsTakenAgain(),
    wallS: killed.wallMs / 1000,
    stallMs,
  };
}

const loadAtStart = loadText();
try {
  const measured: WorkloadFigures[] = [];
  let kills: KillFigures | undefined;
  for (const workload of workloads) {
    simCalls = watchSimCalls();
    server = await startSimServer({
      task: boolqTask,
      items,
      profile: 'gpt-4',
      seed: 0,
      latencyMs: workload.latencyMs,
      log: simCalls.log,
    });
    try {
      const figures = await measureWorkload(workload);
      measured.push(figures);
      if (kills === undefined) kills = await measureKills(figures);
    } finally {
      await server.close();
    }
  }
  // The queue alone, in this process, with a model that only waits: what BullMQ and Redis cost.
  const overhead = await measureQueueOverhead({
    workers: 4,
    calls: 400,
    latencyMs: Number(values['latency-ms']),
    promptChars: 3000,
  });
  const loadAtEnd = loadText();
  const code = execFileSync('git', ['describe', '--always', '--dirty'], {
    cwd: repoRoot,
    encoding: 'utf8',
  }).trim();
  const measurement: ScaleOutMeasurement = { rows, measured, kills, overhead, loadAtStart, loadAtEnd, code };
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ...measurement, command: commandFor(rows) }, null, 2)}\n`);
  }
  // The figures of this invocation alone, as the section shows them.
  const alone = describeResults(mergeMeasurement(undefined, measurement, commandFor(rows)));
  process.stdout.write(`${alone.join('\n')}\n`);
  if (values.write) writeScaleOutSection(measurement, commandFor(rows));
} finally {
  await redis.dispose();
  rmSync(workDirectory, { recursive: true, force: true });
}
