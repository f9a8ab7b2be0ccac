import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../src/cli/exit-codes.js';
import { costUsd } from '../src/plan/price-table.js';
import type { SimServer, SimServerStats } from '../src/sim/serve.js';
import { openStore } from '../src/store/open-store.js';
import { rteTask } from '../src/task/builtin-tasks.js';
import { useTempDir } from '../src/test/temp-dir.js';
import { cliFlags } from './harness/cli-flags.js';
import { sharedDataFile } from './harness/repo-paths.js';
import { answersIn, runCli } from './harness/run-cli.js';
import { killProcess, spawnCli } from './harness/spawn-cli.js';
import { startSimOn, withClockRunning } from './harness/start-sim-on.js';
import { useEnvironment } from './harness/use-environment.js';
import { waitFor } from './harness/wait-for.js';

/*
 * `run --batch-api` with a `google:` model: Gemini batch mode through `@google/genai` against the
 * simulator, on all of RTE. The same answers and tokens as the online run, priced at the batch
 * rate; a run killed with SIGKILL while its job runs is run again and waits for that job; `jobs
 * cancel` cancels a Gemini batch (of a detached run, or of a run waiting on it, which stops), and a
 * rerun submits only what it had not finished. The simulator's clock is the test's.
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

  /** Round 1 of BPE+SEAS is one job of every batch: a cancel halfway leaves many requests on each side. */
  const bpeSeas = ['--strategy', 'bpe+seas', ...batchFlags];

  let bpeSeasOnline: Promise<{ summary: Summary; answers: [unknown, unknown][] }> | undefined;
  /** The online BPE+SEAS run the cancelled runs must end up matching (run once, when first needed). */
  function bpeSeasReference(): Promise<{ summary: Summary; answers: [unknown, unknown][] }> {
    bpeSeasOnline ??= (async () => {
      const directory = folder('bpe-seas-online');
      const printed = await runCli(
        args('openai-compatible:sim-gpt-4', server.url, directory, ['--strategy', 'bpe+seas']),
      );
      expect(printed.code, printed.stderr).toBe(exitCodes.ok);
      const summary = JSON.parse(printed.stdout) as Summary;
      return { summary, answers: answersIn(join(directory, 'results.jsonl')) };
    })();
    return bpeSeasOnline;
  }

  /**
   * The journal of a cancelled first job and of the rerun's next one: the requests the cancelled
   * job finished (exactly those the simulator answered before the cancel) are not in the next job,
   * every request it did not finish is, and nothing else of the first job was lost or asked twice.
   */
  function expectCancelledJobKept(
    store: string,
    answeredBeforeCancel: number,
    canceledAtServer: number,
  ): void {
    const opened = openStore(store);
    try {
      const [first, second] = opened.jobs.listJobs();
      expect(first!.providerStatus).toBe('JOB_STATE_CANCELLED');
      const requests = opened.jobs.listRequests(first!.jobId);
      const succeeded = requests.filter((request) => request.state === 'succeeded');
      const canceled = requests.filter((request) => request.state === 'canceled');
      // Half the completion delay had passed: about half on either side, none in another state.
      expect(requests.length).toBeGreaterThan(10);
      expect(succeeded.length).toBe(answeredBeforeCancel);
      expect(canceled.length).toBe(canceledAtServer);
      expect(succeeded.length + canceled.length).toBe(requests.length);
      expect(succeeded.length).toBe(Math.round(requests.length / 2));
      const secondIds = new Set(opened.jobs.listRequests(second!.jobId).map((request) => request.customId));
      expect(succeeded.filter((request) => secondIds.has(request.customId))).toEqual([]);
      expect(canceled.filter((request) => !secondIds.has(request.customId))).toEqual([]);
    } finally {
      opened.close();
    }
  }

  /**
   * Runs the command again once its job was cancelled: it ends with the answers of the online run,
   * the journal keeps the cancelled job's finished requests (`expectCancelledJobKept`), and every
   * request was answered once since `start`: what the cancelled job finished was not asked again.
   */
  async function expectRerunKeepsCancelled(
    directory: string,
    start: SimServerStats['batch'],
    atCancel: SimServerStats['batch'],
  ): Promise<void> {
    const reference = await bpeSeasReference();
    const finished = await withClockRunning(clock, () =>
      runCli(args('google:sim-gemini', gemini, directory, bpeSeas)),
    );
    expect(finished.code, finished.stderr).toBe(exitCodes.ok);
    expect(JSON.parse(finished.stdout)).toMatchObject({ answered: 277, resumed: true });
    expect(answersIn(join(directory, 'results.jsonl'))).toEqual(reference.answers);
    expectCancelledJobKept(
      join(directory, 'store'),
      atCancel.requestsAnswered - start.requestsAnswered,
      atCancel.requestsCanceled - start.requestsCanceled,
    );
    expect(server.stats().batch.requestsAnswered - start.requestsAnswered).toBe(reference.summary.totalCalls);
  }

  it('jobs cancel cancels the Gemini batch of a detached run; a rerun keeps what finished and submits the rest', async () => {
    const directory = folder('cancel');
    const start = server.stats().batch;
    const detached = await runCli([...args('google:sim-gemini', gemini, directory, bpeSeas), '--detach']);
    expect(detached.code, detached.stderr).toBe(exitCodes.detached);
    const store = join(directory, 'store');
    const [job] = JSON.parse((await runCli(['jobs', '--store-dir', store, '--json'])).stdout) as {
      jobId: string;
      status: string;
    }[];
    expect(job!.status).toBe('JOB_STATE_RUNNING');
    clock.now += 30_000;
    const cancelled = await runCli(['jobs', 'cancel', job!.jobId, '--store-dir', store, '--json']);
    expect(cancelled.code, cancelled.stderr).toBe(exitCodes.ok);
    expect(JSON.parse(cancelled.stdout)).toMatchObject({ status: 'JOB_STATE_CANCELLED' });
    const atCancel = server.stats().batch;

    await expectRerunKeepsCancelled(directory, start, atCancel);
  }, 180_000);

  it('a run waiting on its batch stops when jobs cancel cancels it, keeps what finished, and a rerun submits only the rest', async () => {
    const directory = folder('cancel-waiting');
    const store = join(directory, 'store');
    const start = server.stats().batch;
    // Not quiet: the waiting run prints each status check, so the test knows it saw the job running.
    const waiting = spawnCli(
      args('google:sim-gemini', gemini, directory, bpeSeas).filter((flag) => flag !== '--quiet'),
    );
    await waitFor(() => {
      if (waiting.child.exitCode !== null)
        throw new Error(`the run ended while waiting: ${waiting.stderr()}`);
      return /JOB_STATE_RUNNING, \d+ requests/.test(waiting.stderr());
    }, 'the run saw its job running');
    const [job] = JSON.parse((await runCli(['jobs', '--store-dir', store, '--json'])).stdout) as {
      jobId: string;
    }[];
    clock.now += 30_000;
    const cancelled = await runCli(['jobs', 'cancel', job!.jobId, '--store-dir', store, '--json']);
    expect(cancelled.code, cancelled.stderr).toBe(exitCodes.ok);
    // The clock stands still: a run that went on would submit a follow-up job and wait for it.
    await waitFor(
      () => waiting.child.exitCode !== null || server.stats().batch.jobsCreated - start.jobsCreated > 1,
      'the run stopped or submitted again',
    );
    const stopped = await killProcess(waiting);
    expect(stopped.code, stopped.stderr).toBe(exitCodes.interrupted);
    expect(stopped.stderr).toContain(`batch job ${job!.jobId} was cancelled: its finished requests are kept`);
    const atCancel = server.stats().batch;
    // The stopped run paid for nothing elsewhere: one job, no follow-up.
    expect(atCancel.jobsCreated - start.jobsCreated).toBe(1);

    await expectRerunKeepsCancelled(directory, start, atCancel);
  }, 180_000);
});
