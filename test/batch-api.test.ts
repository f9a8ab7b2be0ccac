import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { exitCodes } from '../src/cli/exit-codes.js';
import type { SimServer, startSimServer } from '../src/sim/serve.js';
import { openStore } from '../src/store/open-store.js';
import { rteTask } from '../src/task/builtin-tasks.js';
import { useTempDir } from '../src/test/temp-dir.js';
import { cliFlags } from './harness/cli-flags.js';
import { sharedDataFile } from './harness/repo-paths.js';
import { answersIn, runCli } from './harness/run-cli.js';
import { type SimClock, startSimOn, withClockRunning } from './harness/start-sim-on.js';

/*
 * `run --batch-api` through the official SDK clients against the simulator's batch endpoints, on
 * all of RTE: the same answers, calls and tokens as the online run; an expired job resubmits only
 * what it did not finish; `jobs` and `jobs cancel` reach the provider. The simulator's clock is
 * the test's: a job ends when the test moves the clock past its completion delay, never because
 * the machine was fast or slow.
 */

const rte = sharedDataFile('rte.dev.jsonl');
const dataFile = rte.file;
const temp = useTempDir();
/** A fresh directory for one run's store and results. */
const folder = temp.folder;

interface Summary {
  answered: number;
  calls: number;
  totalCalls: number;
  totalInputTokens: number;
  totalOutputTokens: number;
  accuracy?: number;
  simulated: boolean;
  batchApi?: boolean;
  estimatedCostUsd: number | null;
}

function args(model: string, directory: string, extra: string[]): string[] {
  return [
    'run',
    ...cliFlags({
      task: 'rte',
      data: dataFile,
      model,
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

/** A simulator whose clock moves only when the test says so. */
async function startSim(batch: Parameters<typeof startSimServer>[0]['batch']) {
  const clock: SimClock = { now: Date.parse('2026-01-01T00:00:00Z') };
  const server = await startSimOn(dataFile, rteTask, { batch, now: () => clock.now });
  return { server, clock };
}

const batchFlags = ['--batch-api', '--poll-interval-ms', '10', '--max-poll-interval-ms', '40'];

afterEach(() => {
  vi.unstubAllEnvs();
});

describe.skipIf(!rte.present)('run --batch-api on all of RTE against sim serve', () => {
  let server: SimServer;
  let clock: { now: number };
  let online: Summary;
  let onlineAnswers: [unknown, unknown][];

  beforeAll(async () => {
    ({ server, clock } = await startSim({ completionDelayMs: 60_000 }));
    const directory = folder('online');
    const printed = await runCli(args('openai-compatible:sim-gpt-4', directory, ['--base-url', server.url]));
    expect(printed.code).toBe(exitCodes.ok);
    online = JSON.parse(printed.stdout) as Summary;
    onlineAnswers = answersIn(join(directory, 'results.jsonl'));
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  it('has an online reference that answered every item', () => {
    expect(onlineAnswers).toHaveLength(277);
    expect(online.answered).toBe(277);
    expect(online.totalCalls).toBeGreaterThan(18);
  });

  for (const [model, setup] of [
    ['openai-compatible:sim-gpt-4', (url: string) => ['--base-url', url]],
    [
      'openai:sim-gpt-4',
      (url: string) => {
        vi.stubEnv('OPENAI_API_KEY', 'test-key');
        return ['--base-url', url];
      },
    ],
    [
      'anthropic:sim-claude',
      (url: string) => {
        vi.stubEnv('ANTHROPIC_API_KEY', 'test-key');
        vi.stubEnv('ANTHROPIC_BASE_URL', url);
        return [];
      },
    ],
  ] as const) {
    it(`gives the online run's answers, calls and tokens with ${model}, one job per round and re-ask`, async () => {
      const directory = folder(`batch-${model.split(':')[0]}`);
      const before = server.stats().batch;
      const printed = await withClockRunning(clock, () =>
        runCli(args(model, directory, [...setup(server.url), ...batchFlags])),
      );
      expect(printed.code, printed.stderr).toBe(exitCodes.ok);
      const summary = JSON.parse(printed.stdout) as Summary;
      expect(answersIn(join(directory, 'results.jsonl'))).toEqual(onlineAnswers);
      expect(summary).toMatchObject({
        answered: 277,
        calls: online.totalCalls,
        totalCalls: online.totalCalls,
        totalInputTokens: online.totalInputTokens,
        totalOutputTokens: online.totalOutputTokens,
        accuracy: online.accuracy,
        simulated: true,
        batchApi: true,
      });
      const after = server.stats().batch;
      // Every call went through a job, each request once.
      expect(after.requestsAnswered - before.requestsAnswered).toBe(online.totalCalls);
      const jobs = after.jobsCreated - before.jobsCreated;
      expect(jobs).toBeGreaterThanOrEqual(2);
      expect(jobs).toBeLessThan(online.totalCalls / 4);
      const store = openStore(join(directory, 'store'));
      try {
        const recorded = store.jobs.listJobs();
        expect(recorded).toHaveLength(jobs);
        expect(recorded.every((job) => job.status === 'ended')).toBe(true);
        expect(recorded.reduce((sum, job) => sum + job.counts.succeeded, 0)).toBe(online.totalCalls);
      } finally {
        store.close();
      }
    }, 120_000);
  }

  it('eval --batch-api scores the same answers as eval online', async () => {
    const evalArgs = (directory: string, extra: string[]) => [
      'eval',
      ...cliFlags({
        task: 'rte',
        data: dataFile,
        model: 'openai-compatible:sim-gpt-4',
        'base-url': server.url,
        format: 'lines',
        'batch-size': 16,
        sample: 64,
        'store-dir': join(directory, 'store'),
        json: true,
      }),
      ...extra,
    ];
    const onlineEval = await runCli(evalArgs(folder('eval-online'), []));
    const before = server.stats().batch.jobsCreated;
    const batchEval = await withClockRunning(clock, () => runCli(evalArgs(folder('eval-batch'), batchFlags)));
    expect(batchEval.code, batchEval.stderr).toBe(exitCodes.ok);
    expect(server.stats().batch.jobsCreated).toBeGreaterThan(before);
    const scored = (printed: { stdout: string }) => {
      const parsed = JSON.parse(printed.stdout) as {
        strategies: { accuracy: number; calls: number; inputTokens: number }[];
      };
      return parsed.strategies.map(({ accuracy, calls, inputTokens }) => ({ accuracy, calls, inputTokens }));
    };
    expect(scored(batchEval)).toEqual(scored(onlineEval));
    expect(await runCli([...evalArgs(folder('eval-detach'), batchFlags), '--detach'])).toMatchObject({
      code: exitCodes.input,
    });
  }, 120_000);

  it('prices the batch run at half the online price', async () => {
    const onlinePriced = await runCli(args('sim:gpt-4', folder('priced-online'), ['--prices', pricesFile()]));
    const directory = folder('priced-batch');
    const batch = await withClockRunning(clock, () =>
      runCli(
        args('openai-compatible:sim-gpt-4', directory, [
          '--base-url',
          server.url,
          ...batchFlags,
          '--prices',
          pricesFile(),
        ]),
      ),
    );
    const onlineCost = (JSON.parse(onlinePriced.stdout) as Summary).estimatedCostUsd!;
    const batchCost = (JSON.parse(batch.stdout) as Summary).estimatedCostUsd!;
    expect(onlineCost).toBeGreaterThan(0);
    expect(batchCost).toBeCloseTo(onlineCost / 2, 10);
  }, 120_000);

  function pricesFile(): string {
    const file = temp('prices.json');
    // One price for the in-process simulator (which bills nothing unless given one) and the endpoint's model id.
    const price = { input: 30, output: 60 };
    writeFileSync(file, JSON.stringify({ 'sim:gpt-4': price, 'openai-compatible:sim-gpt-4': price }));
    return file;
  }
});

describe.skipIf(!rte.present)('requests that end in a server error inside a batch job', () => {
  it('stop the run by the breaker as 5xx failures, naming the status, with either API', async () => {
    const { server } = await startSim({ completionDelayMs: 0, requestErrorRate: 1 });
    try {
      vi.stubEnv('ANTHROPIC_API_KEY', 'test-key');
      vi.stubEnv('ANTHROPIC_BASE_URL', server.url);
      for (const [model, words] of [
        ['openai-compatible:sim-gpt-4', 'HTTP 500'],
        ['anthropic:sim-claude', 'api_error'],
      ] as const) {
        const extra = model.startsWith('openai') ? ['--base-url', server.url] : [];
        const failed = await runCli(
          args(model, folder(`errored-${model.split(':')[0]}`), [...extra, ...batchFlags]),
        );
        expect(failed.code, failed.stderr).toBe(exitCodes.provider);
        // Each request failed with the status the job's results give it, not as one without a reply.
        expect(failed.stderr).toMatch(
          new RegExp(
            `the last 10 requests all failed with a 5xx status \\(the last: batch job job-\\w+: ${words}`,
          ),
        );
      }
    } finally {
      await server.close();
    }
  }, 120_000);
});

describe.skipIf(!rte.present)('a batch job that expires with 60% done', () => {
  it('resubmits only the other 40%, pays for nothing twice and ends with the same answers', async () => {
    const reference = await startSim({ completionDelayMs: 0 });
    const referenceDirectory = folder('expiry-reference');
    const referenceRun = await runCli(
      args('openai-compatible:sim-gpt-4', referenceDirectory, [
        '--base-url',
        reference.server.url,
        ...batchFlags,
      ]),
    );
    expect(referenceRun.code, referenceRun.stderr).toBe(exitCodes.ok);
    const referenceStats = reference.server.stats().batch;
    await reference.server.close();

    const { server } = await startSim({ completionDelayMs: 0, expireJobs: 1, expireDoneShare: 0.6 });
    try {
      const directory = folder('expiry');
      const printed = await runCli(
        args('openai-compatible:sim-gpt-4', directory, ['--base-url', server.url, ...batchFlags]),
      );
      expect(printed.code, printed.stderr).toBe(exitCodes.ok);
      expect(answersIn(join(directory, 'results.jsonl'))).toEqual(
        answersIn(join(referenceDirectory, 'results.jsonl')),
      );
      const stats = server.stats().batch;
      // Nothing paid twice: the model answered exactly as many requests as without the expiry.
      expect(stats.requestsAnswered).toBe(referenceStats.requestsAnswered);
      // The expired requests go into the next job, with the round's re-asks when there are any.
      expect(stats.jobsCreated).toBeGreaterThanOrEqual(referenceStats.jobsCreated);
      expect(stats.jobsCreated).toBeLessThanOrEqual(referenceStats.jobsCreated + 1);
      const store = openStore(join(directory, 'store'));
      try {
        const [expired, followUp] = store.jobs.listJobs();
        expect(expired!.providerStatus).toBe('expired');
        expect(expired!.counts.succeeded).toBe(Math.round(expired!.requestCount * 0.6));
        expect(expired!.counts.expired).toBe(expired!.requestCount - expired!.counts.succeeded);
        // The follow-up job holds every request the expired one did not finish (with the round's
        // re-asks, which go into the next job anyway) and none that it finished.
        const ids = (jobId: string, state?: string) =>
          store.jobs
            .listRequests(jobId)
            .filter((request) => state === undefined || request.state === state)
            .map((request) => request.customId);
        const followUpIds = new Set(ids(followUp!.jobId));
        expect(ids(expired!.jobId, 'expired').every((id) => followUpIds.has(id))).toBe(true);
        expect(ids(expired!.jobId, 'succeeded').some((id) => followUpIds.has(id))).toBe(false);
        expect(followUp!.counts.succeeded).toBe(followUp!.requestCount);
        expect(stats.requestsExpired).toBe(expired!.counts.expired);
      } finally {
        store.close();
      }
    } finally {
      await server.close();
    }
  }, 120_000);
});

describe.skipIf(!rte.present)('--detach, jobs and jobs cancel against the simulator', () => {
  it('submits and exits, lists the job, cancels it, and a rerun keeps what finished and submits the rest', async () => {
    const { server, clock } = await startSim({ completionDelayMs: 60_000 });
    try {
      const directory = folder('detach');
      // BPE+SEAS, so that the first job is all of round 1 and its cancel leaves many requests
      // unfinished; the default strategy's first job is its pilot's first two calls.
      const run = () =>
        args('openai-compatible:sim-gpt-4', directory, [
          '--base-url',
          server.url,
          '--strategy',
          'bpe+seas',
          ...batchFlags,
        ]);
      const detached = await runCli([...run(), '--detach']);
      expect(detached.code).toBe(exitCodes.detached);
      expect(detached.stderr).toMatch(/run the same command again/);
      expect(detached.stderr).toMatch(/batchprompt jobs --store-dir/);
      expect(existsSync(join(directory, 'results.jsonl'))).toBe(false);
      expect(server.stats().batch.jobsCreated).toBe(1);

      // Run again with --detach while the job runs: no second job, the status, and out again.
      clock.now += 20_000;
      const stillRunning = await runCli([...run(), '--detach']);
      expect(stillRunning.code).toBe(exitCodes.detached);
      expect(server.stats().batch.jobsCreated).toBe(1);

      const listed = await runCli(['jobs', '--store-dir', join(directory, 'store'), '--json']);
      expect(listed.code).toBe(exitCodes.ok);
      const [job] = JSON.parse(listed.stdout) as {
        jobId: string;
        providerJobId: string;
        status: string;
        total: number;
        succeeded: number;
      }[];
      expect(job).toMatchObject({ status: 'in_progress' });
      expect(job!.total).toBeGreaterThan(10);
      expect(job!.succeeded).toBeLessThan(job!.total);
      const table = await runCli(['jobs', '--store-dir', join(directory, 'store')]);
      expect(table.stdout).toContain(job!.jobId);
      expect(table.stdout).toContain(job!.providerJobId);

      clock.now += 10_000;
      const cancelled = await runCli([
        'jobs',
        'cancel',
        job!.jobId,
        '--store-dir',
        join(directory, 'store'),
        '--json',
      ]);
      expect(cancelled.code, cancelled.stderr).toBe(exitCodes.ok);
      expect(JSON.parse(cancelled.stdout)).toMatchObject({ status: 'cancelling' });
      expect(server.stats().batch.cancels).toBe(1);
      const afterCancel = JSON.parse(
        (await runCli(['jobs', '--store-dir', join(directory, 'store'), '--json'])).stdout,
      ) as {
        status: string;
        succeeded: number;
        total: number;
      }[];
      expect(afterCancel[0]!.status).toBe('cancelled');
      // Half the delay had passed: about half the requests were done before the cancel.
      const doneBeforeCancel = afterCancel[0]!.succeeded;
      expect(doneBeforeCancel).toBeGreaterThan(0);
      expect(doneBeforeCancel).toBeLessThan(afterCancel[0]!.total);

      const finished = await withClockRunning(clock, () => runCli(run()));
      expect(finished.code, finished.stderr).toBe(exitCodes.ok);
      expect(JSON.parse(finished.stdout)).toMatchObject({ answered: 277, resumed: true });
      const stats = server.stats().batch;
      expect(stats.requestsCanceled).toBe(afterCancel[0]!.total - doneBeforeCancel);
      const store = openStore(join(directory, 'store'));
      try {
        const [first, second] = store.jobs.listJobs();
        // The next job holds what the cancelled one did not finish (and the round's re-asks),
        // nothing that it finished.
        const requests = store.jobs.listRequests(first!.jobId);
        const secondIds = new Set(store.jobs.listRequests(second!.jobId).map((request) => request.customId));
        expect(requests.filter((request) => request.state === 'canceled')).toHaveLength(
          afterCancel[0]!.total - doneBeforeCancel,
        );
        for (const request of requests)
          expect(secondIds.has(request.customId)).toBe(request.state === 'canceled');
      } finally {
        store.close();
      }
      expect(
        await runCli(['jobs', 'cancel', 'job-none', '--store-dir', join(directory, 'store')]),
      ).toMatchObject({
        code: exitCodes.input,
      });
    } finally {
      await server.close();
    }
  }, 180_000);
});
