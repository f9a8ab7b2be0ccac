import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimServer, type SimServerStats, startSimServer } from '../src/sim/serve.js';
import { loadItems } from '../src/source/load-items.js';
import { openStore } from '../src/store/open-store.js';
import { rteTask } from '../src/task/builtin-tasks.js';

/*
 * `run --batch-api` is killed with SIGKILL while its first job runs at the simulator, then the
 * same command runs again. The rerun must submit no second job for those requests (counted at the
 * server) and end with the uninterrupted run's results. The simulator's clock stands still while
 * the first process runs, so the job cannot end before the kill however slow the machine is.
 */

const dataDir = process.env.BATCHPROMPT_DATA_DIR ?? resolve('../shared/data');
const dataFile = join(dataDir, 'rte.dev.jsonl');
const hasData = existsSync(dataFile);
const repoRoot = resolve(import.meta.dirname, '..');

let server: SimServer;
const clock = { now: Date.parse('2026-03-01T00:00:00Z') };
let directory: string;

function start(storeDir: string, out: string) {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, 'scripts/dev-cli.ts'),
      'run',
      '--task',
      'rte',
      '--data',
      dataFile,
      '--model',
      'openai-compatible:sim-gpt-4',
      '--base-url',
      server.url,
      '--label-field',
      'label',
      '--format',
      'lines',
      '--batch-size',
      '16',
      '--batch-api',
      '--poll-interval-ms',
      '10',
      '--max-poll-interval-ms',
      '40',
      '--store-dir',
      storeDir,
      '--out',
      out,
      '--json',
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk) => {
    output.stdout += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    output.stderr += String(chunk);
  });
  const done = new Promise<{ code: number | null }>((resolveDone) => {
    child.on('exit', (code) => resolveDone({ code }));
  });
  return { child, output, done };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolveWait) => setTimeout(resolveWait, 5));
  }
}

/** Moves the simulator's clock an hour every few milliseconds until `work` ends. */
async function withClockRunning<T>(work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => {
    clock.now += 3_600_000;
  }, 5);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

function answers(file: string): [string, unknown][] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { id: string; answer: unknown })
    .map((row) => [row.id, row.answer]);
}

function delta(after: SimServerStats['batch'], before: SimServerStats['batch']) {
  return {
    jobsCreated: after.jobsCreated - before.jobsCreated,
    requestsSubmitted: after.requestsSubmitted - before.requestsSubmitted,
    requestsAnswered: after.requestsAnswered - before.requestsAnswered,
  };
}

describe.skipIf(!hasData)('run --batch-api killed with SIGKILL while a job runs, then run again', () => {
  let reference: [string, unknown][];
  let referenceCounts: ReturnType<typeof delta>;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'batchprompt-batch-crash-'));
    const items = await loadItems(dataFile, rteTask);
    server = await startSimServer({
      task: rteTask,
      items,
      seed: 0,
      quiet: true,
      batch: { completionDelayMs: 60_000 },
      now: () => clock.now,
    });
    const before = server.stats().batch;
    const out = join(directory, 'reference.jsonl');
    const run = start(join(directory, 'reference-store'), out);
    const result = await withClockRunning(() => run.done);
    expect(result.code, run.output.stderr).toBe(0);
    reference = answers(out);
    referenceCounts = delta(server.stats().batch, before);
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('has a reference run that answered every item through several jobs', () => {
    expect(reference).toHaveLength(277);
    expect(reference.every(([, answer]) => answer !== null)).toBe(true);
    expect(referenceCounts.jobsCreated).toBeGreaterThanOrEqual(2);
  });

  for (const killPoint of ['the server has the job', 'the job is journaled as submitted'] as const) {
    it(`submits no second job and ends with the same results when killed once ${killPoint}`, async () => {
      const name = killPoint === 'the server has the job' ? 'at-server' : 'journaled';
      const storeDir = join(directory, `store-${name}`);
      const out = join(directory, `out-${name}.jsonl`);
      const before = server.stats().batch;
      const first = start(storeDir, out);
      await waitFor(
        () =>
          killPoint === 'the server has the job'
            ? server.stats().batch.jobsCreated > before.jobsCreated
            : /submitted \d+ requests/.test(first.output.stderr),
        120_000,
      );
      first.child.kill('SIGKILL');
      expect((await first.done).code).toBeNull();
      expect(existsSync(out)).toBe(false);
      // Killed while its job ran: nothing ended yet.
      expect(server.stats().batch.requestsAnswered).toBe(before.requestsAnswered);

      const second = start(storeDir, out);
      const finished = await withClockRunning(() => second.done);
      expect(finished.code, second.output.stderr).toBe(0);
      expect(second.output.stderr).toMatch(/found in the store/);
      expect(JSON.parse(second.output.stdout)).toMatchObject({ resumed: true, answered: 277 });
      expect(answers(out)).toEqual(reference);
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
