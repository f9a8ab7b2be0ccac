import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../src/cli/exit-codes.js';
import { type SimServer, startSimServer } from '../src/sim/serve.js';
import { boolqTask } from '../src/task/builtin-tasks.js';

/*
 * Two `run`s at once, as from two terminals: separate processes on one store, against the
 * simulator's HTTP server behind a gate. The gate holds every request until the test opens it,
 * so the first run is still paying when the second starts, whatever the machine's speed. Sharing
 * a store, they must pay for each request once between them; sharing an --out, the second must
 * be refused and the first's file left whole.
 */

const repoRoot = resolve(import.meta.dirname, '..');
const items = Array.from({ length: 96 }, (_, index) => ({
  id: `r${index}`,
  fields: { question: `is ${index} even`, passage: `The number ${index} is ${index % 2 ? 'odd' : 'even'}.` },
  gold: index % 2 === 0,
}));

let server: SimServer;
let gate: Gate;
let directory: string;

interface Gate {
  url: string;
  /** Requests that reached the gate (paid for, once let through). */
  requests: number;
  /** Requests waiting at the closed gate. */
  waiting: number;
  close(): void;
  open(): void;
  stop(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** A front that counts chat requests and forwards them to the simulator while open. */
async function startGate(target: SimServer): Promise<Gate> {
  let release: (() => void) | undefined;
  let opened: Promise<void> = Promise.resolve();
  const state = { requests: 0, waiting: 0 };
  const http: Server = createServer(async (request, response) => {
    const body = await readBody(request);
    const path = (request.url ?? '/').replace(/^\/v1/, '');
    if (path.startsWith('/chat/completions')) {
      state.requests += 1;
      state.waiting += 1;
      await opened;
      state.waiting -= 1;
    }
    const forwarded = await fetch(`${target.url}${path}`, {
      method: request.method ?? 'GET',
      headers: { 'content-type': 'application/json' },
      ...(request.method === 'POST' ? { body } : {}),
    });
    response.writeHead(forwarded.status, { 'content-type': 'application/json' });
    response.end(await forwarded.text());
  });
  await new Promise<void>((resolveListen) => http.listen(0, '127.0.0.1', resolveListen));
  const port = (http.address() as AddressInfo).port;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/v1`,
    close() {
      opened = new Promise<void>((resolveOpen) => {
        release = resolveOpen;
      });
    },
    open() {
      release?.();
    },
    stop: () => new Promise<void>((resolveStop) => http.close(() => resolveStop())),
  });
}
let dataFile: string;

function cliArgs(storeDir: string, out: string): string[] {
  return [
    '--import',
    'tsx',
    join(repoRoot, 'scripts/dev-cli.ts'),
    'run',
    '--task',
    'boolq',
    '--data',
    dataFile,
    '--model',
    'openai-compatible:sim-gpt-4',
    '--base-url',
    gate.url,
    '--label-field',
    'label',
    '--format',
    'lines',
    '--batch-size',
    '8',
    '--rounds',
    '2',
    '--no-seas',
    '--concurrency',
    '2',
    '--store-dir',
    storeDir,
    '--out',
    out,
    '--json',
    '--quiet',
  ];
}

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(storeDir: string, out: string): { child: ChildProcess; done: Promise<Finished> } {
  const child = spawn(process.execPath, cliArgs(storeDir, out), {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const done = new Promise<Finished>((resolveDone) => {
    child.on('exit', (code) => resolveDone({ code, stdout, stderr }));
  });
  return { child, done };
}

/** Resolves once `condition` holds, polling; generous bounds, for a slow process start. */
async function until(condition: () => boolean, what: string, timeoutMs = 180_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 20));
  }
}

function answers(file: string): [string, unknown][] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { id: string; answer: unknown })
    .map((row) => [row.id, row.answer]);
}

let singleRunRequests: number;
let reference: [string, unknown][];

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'batchprompt-concurrent-'));
  // Latency long enough that two runs started apart are both in flight at once.
  server = await startSimServer({ task: boolqTask, items, seed: 0, quiet: true });
  gate = await startGate(server);
  dataFile = join(directory, 'data.jsonl');
  writeFileSync(
    dataFile,
    `${items.map((item) => JSON.stringify({ id: item.id, ...item.fields, label: item.gold })).join('\n')}\n`,
  );
  const before = gate.requests;
  const out = join(directory, 'reference.jsonl');
  const result = await start(join(directory, 'reference-store'), out).done;
  expect(result.code).toBe(exitCodes.ok);
  singleRunRequests = gate.requests - before;
  reference = answers(out);
}, 240_000);

afterAll(async () => {
  gate?.open();
  await gate?.stop();
  await server?.close();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

describe('two runs at once', () => {
  it('on one store, with other outputs: run side by side and pay for each request once between them', async () => {
    const storeDir = join(directory, 'shared-store');
    const before = gate.requests;
    gate.close();
    const first = start(storeDir, join(directory, 'first.jsonl'));
    // The first run is paying: its first calls (as many as --concurrency) wait at the gate.
    await until(() => gate.waiting === 2, 'the first run has two calls in flight');
    let secondStderr = '';
    const second = start(storeDir, join(directory, 'second.jsonl'));
    second.child.stderr?.on('data', (chunk) => {
      secondStderr += String(chunk);
    });
    // Open once the second run has started its calls: it waits on the first's claims (so it sends
    // nothing), or it sends requests of its own, which reach the gate and are counted.
    await until(() => /beside it/.test(secondStderr) || gate.waiting > 2, 'the second run is under way');
    await new Promise((resolveWait) => setTimeout(resolveWait, 500));
    gate.open();
    const [firstResult, secondResult] = await Promise.all([first.done, second.done]);
    expect(firstResult.code).toBe(exitCodes.ok);
    expect(secondResult.code).toBe(exitCodes.ok);
    // The second did not take over the first's run: it started its own beside it.
    expect(secondResult.stderr).toMatch(/is in use by process \d+.*starting a new run beside it/s);
    const firstSummary = JSON.parse(firstResult.stdout) as { runId: string; calls: number };
    const secondSummary = JSON.parse(secondResult.stdout) as { runId: string; calls: number };
    expect(secondSummary.runId).not.toBe(firstSummary.runId);
    expect(gate.requests - before).toBe(singleRunRequests);
    expect(firstSummary.calls + secondSummary.calls).toBe(singleRunRequests);
    expect(answers(join(directory, 'first.jsonl'))).toEqual(reference);
    expect(answers(join(directory, 'second.jsonl'))).toEqual(reference);
  }, 240_000);

  it('on one --out: the second is refused with exit 2 naming the first, whose file stays whole', async () => {
    const out = join(directory, 'contested.jsonl');
    gate.close();
    const first = start(join(directory, 'store-a'), out);
    await until(() => gate.waiting === 2, 'the first run has two calls in flight');
    const secondRun = start(join(directory, 'store-b'), out);
    // Refused, it ends on its own; let in, it would pay and reach the gate too.
    await until(() => secondRun.child.exitCode !== null || gate.waiting > 2, 'the second run ends or pays');
    gate.open();
    const second = await secondRun.done;
    expect(second.code).toBe(exitCodes.locked);
    expect(second.stderr).toMatch(new RegExp(`results file ${out} is in use by process ${first.child.pid}`));
    const firstResult = await first.done;
    expect(firstResult.code).toBe(exitCodes.ok);
    expect(answers(out)).toEqual(reference);
    expect(existsSync(`${out}.lock`)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
  }, 240_000);
});
