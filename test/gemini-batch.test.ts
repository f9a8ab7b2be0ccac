import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../src/cli/exit-codes.js';
import { costUsd } from '../src/plan/price-table.js';
import type { SimServer } from '../src/sim/serve.js';
import { openStore } from '../src/store/open-store.js';
import { rteTask } from '../src/task/builtin-tasks.js';
import { useTempDir } from '../src/test/temp-dir.js';
import { cliFlags } from './harness/cli-flags.js';
import { sharedDataFile } from './harness/repo-paths.js';
import { answersIn, runCli } from './harness/run-cli.js';
import { spawnCli } from './harness/spawn-cli.js';
import { startSimOn, withClockRunning } from './harness/start-sim-on.js';
import { useEnvironment } from './harness/use-environment.js';
import { waitFor } from './harness/wait-for.js';

/*
 * `run --batch-api` with a `google:` model: Gemini batch mode through `@google/genai` against the
 * simulator, on all of RTE. The same answers and tokens as the online run, priced at the batch
 * rate; a run killed with SIGKILL while its job runs is run again and waits for that job; `jobs
 * cancel` cancels a Gemini batch, and a rerun submits only what it had not finished. The
 * simulator's clock is the test's.
 */

const rte = sharedDataFile('rte.dev.jsonl');
const dataFile = rte.file;
const temp = useTempDir();
const folder = temp.folder;

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

function args(model: string, baseUrl: string, directory: string, extra: string[] = []): string[] {
  return [
    'run',
    ...cliFlags({
      task: 'rte',
      data: dataFile,
      model,
      'base-url': baseUrl,
      'label-field': 'label',
      format: 'lines',
      'batch-size': 16,
      'store-dir': join(directory, 'store'),
      out: join(directory, 'results.jsonl'),
      json: true,
      quiet: true,
    }),
    ...extra,
  ];
}

const batchFlags = ['--batch-api', '--poll-interval-ms', '10', '--max-poll-interval-ms', '40'];

describe.skipIf(!rte.present)('run --batch-api with google: against the simulator', () => {
  useEnvironment({ GOOGLE_GENERATIVE_AI_API_KEY: 'gemini-test-key-0001' }, 'all');
  let server: SimServer;
  const clock = { now: Date.parse('2026-06-01T00:00:00Z') };
  let gemini: string;
  let online: Summary;
  let onlineAnswers: [unknown, unknown][];

  beforeAll(async () => {
    server = await startSimOn(dataFile, rteTask, {
      batch: { completionDelayMs: 60_000 },
      now: () => clock.now,
    });
    gemini = server.url.replace(/\/v1$/, '/v1beta');
    const directory = folder('online');
    const printed = await runCli(args('openai-compatible:sim-gpt-4', server.url, directory));
    expect(printed.code, printed.stderr).toBe(exitCodes.ok);
    online = JSON.parse(printed.stdout) as Summary;
    onlineAnswers = answersIn(join(directory, 'results.jsonl'));
  }, 120_000);

  afterAll(async () => {
    await server?.close();
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
    expect(answersIn(join(directory, 'results.jsonl'))).toEqual(onlineAnswers);
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
    await waitFor(() => {
      if (first.child.exitCode !== null)
        throw new Error(`the first run ended before submitting: ${first.stderr()}`);
      return server.stats().batch.jobsCreated > before.jobsCreated;
    }, 'the first run submitted its job');
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
    expect(answersIn(join(directory, 'results.jsonl'))).toEqual(onlineAnswers);
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
    expect(answersIn(join(directory, 'results.jsonl'))).toEqual(onlineAnswers);
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
