import { Redis } from 'ioredis';
import { readJsonl } from './harness/run-cli.js';
import { type CliProcess, spawnCli } from './harness/spawn-cli.js';

/*
 * Processes of the job-queue tests: `batchprompt worker` started as the command line a user runs
 * (through tsx, from the checkout), with its `--json` events read line by line.
 */

/** A `batchprompt worker --json` for `model` at `baseUrl`, and its events parsed. */
export function startWorker(
  redisUrl: string,
  model: string,
  baseUrl: string,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {},
): CliProcess & { events: () => Record<string, unknown>[] } {
  const started = spawnCli(
    [
      'worker',
      '--queue',
      redisUrl,
      '--model',
      model,
      '--base-url',
      baseUrl,
      '--concurrency',
      '2',
      // A lock shorter than the longest pause of a loaded machine's event loop lets a live worker's
      // job be taken again (and paid twice): 10 s holds under a loaded CI, and a killed worker's
      // jobs come back within about 20 s.
      '--stall-ms',
      '10000',
      '--json',
      ...extra,
    ],
    env,
  );
  return {
    ...started,
    events: () =>
      started.lines
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** Events of one type from a worker's `--json` lines. */
export function eventsOf(worker: { events: () => Record<string, unknown>[] }, type: string) {
  return worker.events().filter((event) => event.type === type);
}

/** id, answer and votes of every result, in file order. */
export function votes(file: string): unknown[] {
  return readJsonl(file).map((row) => [row.id, row.answer, row.votes]);
}

/** The call jobs in Redis (each named by its call's cache key) with what BullMQ recorded of them. */
export async function callJobs(
  url: string,
): Promise<{ id: string; processedOn?: number; processedBy?: string; attempts: number }[]> {
  const client = new Redis(url);
  try {
    const keys = (await client.keys('batchprompt:*:call-*')).filter((key) => /:call-[0-9a-f]{64}$/.test(key));
    return await Promise.all(
      keys.map(async (key) => {
        const [processedOn, processedBy, attempts] = await client.hmget(key, 'processedOn', 'pb', 'ats');
        return {
          id: key.slice(key.lastIndexOf(':') + 1),
          ...(processedOn ? { processedOn: Number(processedOn) } : {}),
          ...(processedBy ? { processedBy } : {}),
          attempts: Number(attempts ?? 0),
        };
      }),
    );
  } finally {
    client.disconnect();
  }
}
