import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../src/cli/exit-codes.js';
import { costUsd } from '../src/plan/price-table.js';
import { type SimServer, startSimServer } from '../src/sim/serve.js';
import { loadItems } from '../src/source/load-items.js';
import { openStore } from '../src/store/open-store.js';
import { rteTask } from '../src/task/builtin-tasks.js';
import { useTempDir } from '../src/test/temp-dir.js';
import { runCli } from './run-cli.js';

/*
 * `run --batch-api` with a `google:` model: Gemini batch mode through `@google/genai` against the
 * simulator, on all of RTE. The same answers and tokens as the online run, priced at the batch
 * rate; a run killed with SIGKILL while its job runs is run again and waits for that job; `jobs
 * cancel` cancels a Gemini batch, and a rerun submits only what it had not finished. The
 * simulator's clock is the test's.
 */

const dataDir = process.env.BATCHPROMPT_DATA_DIR ?? resolve('../shared/data');
const dataFile = join(dataDir, 'rte.dev.jsonl');
const hasData = existsSync(dataFile);
const repoRoot = resolve(import.meta.dirname, '..');
const temp = useTempDir();
const keyVariable = 'GOOGLE_GENERATIVE_AI_API_KEY';
const savedKey = process.env[keyVariable];

function folder(name: string): string {
  const path = temp(name);
  mkdirSync(path, { recursive: true });
  return path;
}

interface Summary {
  answered: number;
  totalCalls: number;
  totalInputTokens: number;
  totalOutputTokens: number;
  simulated: boolean;
  batchApi?: boolean;
  resumed?: boolean;
  estimatedCostUsd: number | null;
}

function answers(file: string): [string, unknown][] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { id: string; answer: unknown })
    .map((row) => [row.id, row.answer]);
}

function args(model: string, baseUrl: string, directory: string, extra: string[] = []): string[] {
  return [
    'run',
    '--task',
    'rte',
    '--data',
    dataFile,
    '--model',
    model,
    '--base-url',
    baseUrl,
    '--label-field',
    'label',
    '--format',
    'lines',
    '--batch-size',
    '16',
    '--store-dir',
    join(directory, 'store'),
    '--out',
    join(directory, 'results.jsonl'),
    '--json',
    '--quiet',
    ...extra,
  ];
}

const batchFlags = ['--batch-api', '--poll-interval-ms', '10', '--max-poll-interval-ms', '40'];

async function withClockRunning<T>(clock: { now: number }, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => {
    clock.now += 3_600_000;
  }, 5);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

describe.skipIf(!hasData)('run --batch-api with google: against the simulator', () => {
  let server: SimServer;
  const clock = { now: Date.parse('2026-06-01T00:00:00Z') };
  let gemini: string;
  let online: Summary;
  let onlineAnswers: [string, unknown][];

  beforeAll(async () => {
    process.env[keyVariable] = 'gemini-test-key-0001';
    const items = await loadItems(dataFile, rteTask);
    server = await startSimServer({
      task: rteTask,
      items,
      seed: 0,
      quiet: true,
      batch: { completionDelayMs: 60_000 },
      now: () => clock.now,
    });
    gemini = server.url.replace(/\/v1$/, '/v1beta');
    const directory = folder('online');
    const printed = await runCli(args('openai-compatible:sim-gpt-4', server.url, directory));
    expect(printed.code, printed.stderr).toBe(exitCodes.ok);
    online = JSON.parse(printed.stdout) as Summary;
    onlineAnswers = answers(join(directory, 'results.jsonl'));
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    if (savedKey === undefined) delete process.env[keyVariable];
    else process.env[keyVariable] = savedKey;
  });

  it("gives the online run's answers and tokens, one job per round, labelled simulated and priced at the batch rate", async () => {
    const directory = folder('batch');
    const prices = join(directory, 'prices.json');
    writeFileSync(prices, JSON.stringify({ 'google:sim-gemini': { input: 0.3, output: 2.5 } }));
    const before = server.stats().batch;
    const printed = await withClockRunning(clock, () =>
      runCli(args('google:sim-gemini', gemini, directory, [...batchFlags, '--prices', prices])),
    );
    expect(printed.code, printed.stderr).toBe(exitCodes.ok);
    const summary = JSON.parse(printed.stdout) as Summary;
    expect(answers(join(directory, 'results.jsonl'))).toEqual(onlineAnswers);
    expect(summary).toMatchObject({
      answered: 277,
      totalCalls: online.totalCalls,
      totalInputTokens: online.totalInputTokens,
      totalOutputTokens: online.totalOutputTokens,
      simulated: true,
      batchApi: true,
    });
    // Half of Gemini's list price, on the tokens Gemini reported.
    expect(summary.estimatedCostUsd).toBeCloseTo(
      costUsd({ input: 0.15, output: 1.25 }, summary.totalInputTokens, summary.totalOutputTokens)!,
      10,
    );
    const after = server.stats().batch;
    expect(after.requestsAnswered - before.requestsAnswered).toBe(online.totalCalls);
    const store = openStore(join(directory, 'store'));
    try {
      const jobs = store.jobs.listJobs();
      expect(jobs.length).toBe(after.jobsCreated - before.jobsCreated);
      expect(jobs.length).toBeLessThan(online.totalCalls / 4);
      expect(jobs.every((job) => job.provider === 'google' && job.status === 'ended')).toBe(true);
    } finally {
      store.close();
    }
  }, 120_000);

  it('killed with SIGKILL while its job runs, run again: waits for that job, submits nothing twice', async () => {
    const directory = folder('killed');
    const before = server.stats().batch;
    const first = spawnCli(args('google:sim-gemini', gemini, directory, [...batchFlags]));
    while (server.stats().batch.jobsCreated === before.jobsCreated) {
      if (first.exited()) throw new Error(`the first run ended before submitting: ${first.stderr()}`);
      await new Promise((resolveWait) => setTimeout(resolveWait, 5));
    }
    first.child.kill('SIGKILL');
    await first.done;
    // The clock stood still: the job had not ended when the process died.
    expect(server.stats().batch.requestsAnswered).toBe(before.requestsAnswered);

    const printed = await withClockRunning(clock, () =>
      runCli(
        args('google:sim-gemini', gemini, directory, [...batchFlags]).filter((flag) => flag !== '--quiet'),
      ),
    );
    expect(printed.code, printed.stderr).toBe(exitCodes.ok);
    expect(printed.stderr).toMatch(/found in the store/);
    expect(JSON.parse(printed.stdout)).toMatchObject({ answered: 277, resumed: true });
    expect(answers(join(directory, 'results.jsonl'))).toEqual(onlineAnswers);
    // Every request answered once, as in an uninterrupted run.
    expect(server.stats().batch.requestsAnswered - before.requestsAnswered).toBe(online.totalCalls);
  }, 180_000);

  it('jobs cancel cancels the Gemini batch; a rerun keeps what finished and submits the rest', async () => {
    const directory = folder('cancel');
    const detached = await runCli([...args('google:sim-gemini', gemini, directory, batchFlags), '--detach']);
    expect(detached.code, detached.stderr).toBe(exitCodes.detached);
    const store = join(directory, 'store');
    const [job] = JSON.parse((await runCli(['jobs', '--store-dir', store, '--json'])).stdout) as {
      jobId: string;
      status: string;
      total: number;
    }[];
    expect(job!.status).toBe('JOB_STATE_RUNNING');
    clock.now += 30_000;
    const cancelled = await runCli(['jobs', 'cancel', job!.jobId, '--store-dir', store, '--json']);
    expect(cancelled.code, cancelled.stderr).toBe(exitCodes.ok);
    expect(JSON.parse(cancelled.stdout)).toMatchObject({ status: 'JOB_STATE_CANCELLED' });

    const before = server.stats().batch;
    const finished = await withClockRunning(clock, () =>
      runCli(args('google:sim-gemini', gemini, directory, batchFlags)),
    );
    expect(finished.code, finished.stderr).toBe(exitCodes.ok);
    expect(JSON.parse(finished.stdout)).toMatchObject({ answered: 277, resumed: true });
    expect(answers(join(directory, 'results.jsonl'))).toEqual(onlineAnswers);
    const opened = openStore(store);
    try {
      const [first, second] = opened.jobs.listJobs();
      const requests = opened.jobs.listRequests(first!.jobId);
      const canceled = requests.filter((request) => request.state === 'canceled');
      expect(canceled.length).toBeGreaterThan(0);
      expect(canceled.length).toBeLessThan(requests.length);
      const secondIds = new Set(opened.jobs.listRequests(second!.jobId).map((request) => request.customId));
      for (const request of requests)
        expect(secondIds.has(request.customId)).toBe(request.state === 'canceled');
      // The cancelled job's finished requests were not asked again.
      expect(server.stats().batch.requestsSubmitted - before.requestsSubmitted).toBe(
        online.totalCalls - (requests.length - canceled.length),
      );
    } finally {
      opened.close();
    }
  }, 180_000);
});

function spawnCli(cliArgs: string[]) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'scripts/dev-cli.ts'), ...cliArgs],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: process.env },
  );
  let stderr = '';
  let exited = false;
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const done = new Promise<void>((resolveDone) => {
    child.on('exit', () => {
      exited = true;
      resolveDone();
    });
  });
  return { child, done, exited: () => exited, stderr: () => stderr };
}
