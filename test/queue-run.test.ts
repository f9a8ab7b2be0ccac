import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../src/sim/serve.js';
import { rteTask } from '../src/task/builtin-tasks.js';
import { useTempDir } from '../src/test/temp-dir.js';
import { cliFlags } from './harness/cli-flags.js';
import { sharedDataFile } from './harness/repo-paths.js';
import { runCli } from './harness/run-cli.js';
import { killProcess } from './harness/spawn-cli.js';
import { startSimOn } from './harness/start-sim-on.js';
import { waitFor } from './harness/wait-for.js';
import { callJobs, startWorker, votes } from './queue-processes.js';
import { redisUnavailableReason, startTestRedis, type TestRedis } from './redis-server.js';

/*
 * `run --queue` against real worker processes and a real redis-server: the results equal a direct
 * run's vote for vote, a cached call never becomes a job, a coordinator with an empty cache
 * re-attaches to the jobs already in Redis instead of paying again, a worker killed with SIGKILL
 * loses nothing, and the key in the workers' environment reaches neither Redis nor the run's
 * outputs.
 */

const rte = sharedDataFile('rte.dev.jsonl');
const dataFile = rte.file;
const skipReason = rte.present ? redisUnavailableReason() : 'no rte.dev.jsonl beside the repository';
const temp = useTempDir();
const workerKey = 'sk-queue-test-4f9a1c2e7b3d5a8f0e6c';
const model = 'openai-compatible:sim-gpt-4';

/** Every key and value in Redis, as text, for a search. */
async function dumpRedis(url: string): Promise<string> {
  const client = new Redis(url);
  const parts: string[] = [];
  try {
    for (const key of await client.keys('*')) {
      parts.push(key);
      const type = await client.type(key);
      if (type === 'string') parts.push((await client.get(key)) ?? '');
      if (type === 'hash') parts.push(JSON.stringify(await client.hgetall(key)));
      if (type === 'list') parts.push(JSON.stringify(await client.lrange(key, 0, -1)));
      if (type === 'set') parts.push(JSON.stringify(await client.smembers(key)));
      if (type === 'zset') parts.push(JSON.stringify(await client.zrange(key, 0, -1)));
      if (type === 'stream') parts.push(JSON.stringify(await client.xrange(key, '-', '+')));
    }
  } finally {
    client.disconnect();
  }
  return parts.join('\n');
}

async function jobCount(url: string): Promise<number> {
  return (await callJobs(url)).length;
}

/** Every file under `directory`, read as text. */
function filesUnder(directory: string): string {
  return readdirSync(directory, { recursive: true })
    .map((name) => join(directory, String(name)))
    .filter((path) => statSync(path).isFile())
    .map((path) => readFileSync(path).toString('latin1'))
    .join('\n');
}

describe.skipIf(skipReason !== undefined)('run --queue with worker processes and a real redis-server', () => {
  let redis: TestRedis;
  let server: SimServer;
  let directory: string;
  const workers: ReturnType<typeof startWorker>[] = [];
  const runArgs = (store: string, out: string, extra: string[] = []) => [
    'run',
    ...cliFlags({
      task: 'rte',
      data: dataFile,
      model,
      limit: 60,
      'batch-size': 8,
      format: 'lines',
      'store-dir': join(directory, store),
      out: join(directory, out),
      json: true,
    }),
    ...extra,
  ];

  beforeAll(async () => {
    directory = temp.folder('runs');
    redis = await startTestRedis();
    server = await startSimOn(dataFile, rteTask, { profile: 'gpt-4', latencyMs: 30 });
    const worker = () => startWorker(redis.url, model, server.url, [], { BATCHPROMPT_API_KEY: workerKey });
    workers.push(worker(), worker());
    await waitFor(
      () => workers.every((worker) => worker.lines.some((line) => line.includes('"ready"'))),
      'every worker is ready',
    );
  }, 60_000);

  afterAll(async () => {
    for (const worker of workers) await killProcess(worker);
    await server?.close();
    await redis?.dispose();
  });

  let direct: unknown[];
  let queuedRequests: number;

  it('gives the results of a direct run, vote for vote, labelled simulated', async () => {
    const directRun = await runCli([...runArgs('direct-store', 'direct.jsonl'), '--base-url', server.url]);
    expect(directRun.code, directRun.stderr).toBe(0);
    direct = votes(join(directory, 'direct.jsonl'));
    const before = server.stats().requests;
    const queued = await runCli([...runArgs('queued-store', 'queued.jsonl'), '--queue', redis.url]);
    expect(queued.code, queued.stderr).toBe(0);
    queuedRequests = server.stats().requests - before;
    expect(votes(join(directory, 'queued.jsonl'))).toEqual(direct);
    expect(JSON.parse(queued.stdout).simulated).toBe(true);
    expect(queuedRequests).toBeGreaterThan(5);
    expect(await jobCount(redis.url)).toBe(queuedRequests);
  }, 120_000);

  it('makes no job for a call in the response cache', async () => {
    const jobsBefore = await jobCount(redis.url);
    const requestsBefore = server.stats().requests;
    const again = await runCli([...runArgs('queued-store', 'again.jsonl'), '--queue', redis.url]);
    expect(again.code).toBe(0);
    expect(votes(join(directory, 'again.jsonl'))).toEqual(direct);
    expect(await jobCount(redis.url)).toBe(jobsBefore);
    expect(server.stats().requests).toBe(requestsBefore);
    const started = workers.flatMap((worker) => worker.lines).filter((line) => line.includes('"started"'));
    expect(started).toHaveLength(queuedRequests);
  }, 120_000);

  it('re-attaches a coordinator with an empty cache to the results kept in Redis, paying nothing', async () => {
    const requestsBefore = server.stats().requests;
    const jobsBefore = await jobCount(redis.url);
    const fresh = await runCli([...runArgs('fresh-store', 'fresh.jsonl'), '--queue', redis.url]);
    expect(fresh.code).toBe(0);
    expect(votes(join(directory, 'fresh.jsonl'))).toEqual(direct);
    expect(server.stats().requests).toBe(requestsBefore);
    expect(await jobCount(redis.url)).toBe(jobsBefore);
  }, 120_000);

  it('loses nothing when a worker is killed with SIGKILL in the middle of its calls', async () => {
    const client = new Redis(redis.url);
    await client.flushall();
    client.disconnect();
    const victim = workers[0]!;
    const startedBefore = victim.lines.filter((line) => line.includes('"started"')).length;
    const running = runCli([...runArgs('kill-store', 'kill.jsonl'), '--queue', redis.url]);
    await waitFor(
      () => victim.lines.filter((line) => line.includes('"started"')).length >= startedBefore + 2,
      'the victim started two more jobs',
    );
    victim.child.kill('SIGKILL');
    await victim.done;
    const result = await running;
    expect(result.code).toBe(0);
    expect(votes(join(directory, 'kill.jsonl'))).toEqual(direct);
  }, 120_000);

  it('keeps the key of the workers’ environment out of Redis and out of everything the run wrote', async () => {
    const workerLogs = workers.flatMap((worker) => worker.lines).join('\n');
    const everything = `${await dumpRedis(redis.url)}\n${filesUnder(directory)}\n${workerLogs}`;
    expect(everything.length).toBeGreaterThan(1000);
    // The prompts are there (they are the jobs' data, and the store's); the key is not.
    expect(everything.includes('Christopher Reeve')).toBe(true);
    expect(everything.includes(workerKey)).toBe(false);
    expect(everything.includes(workerKey.slice(3))).toBe(false);
  });
});
