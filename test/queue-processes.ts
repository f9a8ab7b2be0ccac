import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { readJsonl } from './harness/run-cli.js';

/*
 * Processes of the job-queue tests: `batchprompt worker` and `batchprompt run` started as the
 * command line a user runs (through tsx, from the checkout), with their output read line by line.
 */

export const repoRoot = resolve(import.meta.dirname, '..');

export interface CliProcess {
  child: ChildProcess;
  /** Standard output, one entry a line, as it arrives. */
  lines: string[];
  /** Standard error so far. */
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts the command line with `args` in a process of its own. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts/dev-cli.ts'), ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const lines: string[] = [];
  let buffered = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    buffered += String(chunk);
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  return { child, lines, stderr: () => stderr, exited };
}

/** A `batchprompt worker --json` for `model` at `baseUrl`, and its events parsed. */
export function startWorker(
  redisUrl: string,
  model: string,
  baseUrl: string,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {},
): CliProcess & { events: () => Record<string, unknown>[] } {
  const started = startCli(
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

/** Stops a process still running (SIGKILL) and waits for it. */
export async function killProcess(process: CliProcess): Promise<void> {
  if (process.child.exitCode === null && process.child.signalCode === null) process.child.kill('SIGKILL');
  await process.exited;
}

/** Waits for `condition`, checked every 20 ms; the test's own timeout bounds it. */
export async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolveWait) => setTimeout(resolveWait, 20));
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
