import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer, SimServerStats } from '../src/sim/serve.js';
import { openStore } from '../src/store/open-store.js';
import { rteTask } from '../src/task/builtin-tasks.js';
import { useTempDir } from '../src/test/temp-dir.js';
import { cliFlags } from './harness/cli-flags.js';
import { sharedDataFile } from './harness/repo-paths.js';
import { answersIn } from './harness/run-cli.js';
import { spawnCli } from './harness/spawn-cli.js';
import { startSimOn, withClockRunning } from './harness/start-sim-on.js';
import { waitFor } from './harness/wait-for.js';

/*
 * `run --batch-api` is killed with SIGKILL while its first job runs at the simulator, then the
 * same command runs again. The rerun must submit no second job for those requests (counted at the
 * server) and end with the uninterrupted run's results. The simulator's clock stands still while
 * the first process runs, so the job cannot end before the kill however slow the machine is.
 */

const rte = sharedDataFile('rte.dev.jsonl');
const temp = useTempDir();

let server: SimServer;
const clock = { now: Date.parse('2026-03-01T00:00:00Z') };

function start(storeDir: string, out: string) {
  return spawnCli([
    'run',
    ...cliFlags({
      task: 'rte',
      data: rte.file,
      model: 'openai-compatible:sim-gpt-4',
      'base-url': server.url,
      'label-field': 'label',
      format: 'lines',
      'batch-size': 16,
      'batch-api': true,
      'poll-interval-ms': 10,
      'max-poll-interval-ms': 40,
      'store-dir': storeDir,
      out,
      json: true,
    }),
  ]);
}

function delta(after: SimServerStats['batch'], before: SimServerStats['batch']) {
  return {
    jobsCreated: after.jobsCreated - before.jobsCreated,
    requestsSubmitted: after.requestsSubmitted - before.requestsSubmitted,
    requestsAnswered: after.requestsAnswered - before.requestsAnswered,
  };
}

describe.skipIf(!rte.present)('run --batch-api killed with SIGKILL while a job runs, then run again', () => {
  let reference: [unknown, unknown][];
  let referenceCounts: ReturnType<typeof delta>;

  beforeAll(async () => {
    server = await startSimOn(rte.file, rteTask, {
      batch: { completionDelayMs: 60_000 },
      now: () => clock.now,
    });
    const before = server.stats().batch;
    const out = temp('reference.jsonl');
    const run = start(temp('reference-store'), out);
    const result = await withClockRunning(clock, () => run.done);
    expect(result.code, result.stderr).toBe(0);
    reference = answersIn(out);
    referenceCounts = delta(server.stats().batch, before);
  }, 180_000);

  afterAll(async () => {
    await server?.close();
  });

  it('has a reference run that answered every item through several jobs', () => {
    expect(reference).toHaveLength(277);
    expect(reference.every(([, answer]) => answer !== null)).toBe(true);
    expect(referenceCounts.jobsCreated).toBeGreaterThanOrEqual(2);
  });

  for (const killPoint of ['the server has the job', 'the job is journaled as submitted'] as const) {
    it(`submits no second job and ends with the same results when killed once ${killPoint}`, async () => {
      const name = killPoint === 'the server has the job' ? 'at-server' : 'journaled';
      const storeDir = temp(`store-${name}`);
      const out = temp(`out-${name}.jsonl`);
      const before = server.stats().batch;
      const first = start(storeDir, out);
      await waitFor(
        () =>
          killPoint === 'the server has the job'
            ? server.stats().batch.jobsCreated > before.jobsCreated
            : /submitted \d+ requests/.test(first.stderr()),
        killPoint,
        120_000,
      );
      first.child.kill('SIGKILL');
      expect((await first.done).code).toBeNull();
      expect(existsSync(out)).toBe(false);
      // Killed while its job ran: nothing ended yet.
      expect(server.stats().batch.requestsAnswered).toBe(before.requestsAnswered);

      const second = start(storeDir, out);
      const finished = await withClockRunning(clock, () => second.done);
      expect(finished.code, finished.stderr).toBe(0);
      expect(finished.stderr).toMatch(/found in the store/);
      expect(JSON.parse(finished.stdout)).toMatchObject({ resumed: true, answered: 277 });
      expect(answersIn(out)).toEqual(reference);
      // Counted at the server: the same jobs and requests as the uninterrupted run, not one more.
      expect(delta(server.stats().batch, before)).toEqual(referenceCounts);
      const store = openStore(storeDir);
      try {
        expect(store.jobs.listJobs().every((job) => job.status === 'ended')).toBe(true);
      } finally {
        store.close();
      }
    }, 180_000);
  }
});
