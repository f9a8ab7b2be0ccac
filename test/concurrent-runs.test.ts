import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../src/cli/exit-codes.js';
import { type SimServer, startSimServer } from '../src/sim/serve.js';
import { boolqTask } from '../src/task/builtin-tasks.js';
import { useTempDir } from '../src/test/temp-dir.js';
import { cliFlags } from './harness/cli-flags.js';
import { itemRows, parityItems, writeJsonl } from './harness/data-files.js';
import { answersIn } from './harness/run-cli.js';
import { spawnCli } from './harness/spawn-cli.js';
import { startFront } from './harness/start-front.js';
import { waitFor } from './harness/wait-for.js';

/*
 * Two `run`s at once, as from two terminals: separate processes on one store, against the
 * simulator's HTTP server behind a gate. The gate holds every request until the test opens it,
 * so the first run is still paying when the second starts, whatever the machine's speed. Sharing
 * a store, they must pay for each request once between them; sharing an --out, the second must
 * be refused and the first's file left whole.
 */

const temp = useTempDir();
const items = parityItems(96);

let server: SimServer;
let gate: Gate;

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

/** A front that counts chat requests and forwards them to the simulator while open. */
async function startGate(target: SimServer): Promise<Gate> {
  let release: (() => void) | undefined;
  let opened: Promise<void> = Promise.resolve();
  const state = { requests: 0, waiting: 0 };
  const front = await startFront(target.url, async (request, forward) => {
    if (request.path.replace(/^\/v1/, '').startsWith('/chat/completions')) {
      state.requests += 1;
      state.waiting += 1;
      await opened;
      state.waiting -= 1;
    }
    return forward();
  });
  return Object.assign(state, {
    url: front.url,
    close() {
      opened = new Promise<void>((resolveOpen) => {
        release = resolveOpen;
      });
    },
    open() {
      release?.();
    },
    stop: front.close,
  });
}

let dataFile: string;

function start(storeDir: string, out: string) {
  return spawnCli([
    'run',
    ...cliFlags({
      task: 'boolq',
      data: dataFile,
      model: 'openai-compatible:sim-gpt-4',
      'base-url': gate.url,
      'label-field': 'label',
      format: 'lines',
      'batch-size': 8,
      rounds: 2,
      'no-seas': true,
      concurrency: 2,
      'store-dir': storeDir,
      out,
      json: true,
      quiet: true,
    }),
  ]);
}

let singleRunRequests: number;
let reference: [unknown, unknown][];

beforeAll(async () => {
  // Latency long enough that two runs started apart are both in flight at once.
  server = await startSimServer({ task: boolqTask, items, seed: 0, quiet: true });
  gate = await startGate(server);
  dataFile = writeJsonl(temp('data.jsonl'), itemRows(items));
  const before = gate.requests;
  const out = temp('reference.jsonl');
  const result = await start(temp('reference-store'), out).done;
  expect(result.code).toBe(exitCodes.ok);
  singleRunRequests = gate.requests - before;
  reference = answersIn(out);
}, 240_000);

afterAll(async () => {
  gate?.open();
  await gate?.stop();
  await server?.close();
});

describe('two runs at once', () => {
  it('on one store, with other outputs: run side by side and pay for each request once between them', async () => {
    const storeDir = temp('shared-store');
    const before = gate.requests;
    gate.close();
    const first = start(storeDir, temp('first.jsonl'));
    // The first run is paying: its first calls (as many as --concurrency) wait at the gate.
    await waitFor(() => gate.waiting === 2, 'the first run has two calls in flight');
    const second = start(storeDir, temp('second.jsonl'));
    // Open once the second run has started its calls: it waits on the first's claims (so it sends
    // nothing), or it sends requests of its own, which reach the gate and are counted.
    await waitFor(() => /beside it/.test(second.stderr()) || gate.waiting > 2, 'the second run is under way');
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
    expect(answersIn(temp('first.jsonl'))).toEqual(reference);
    expect(answersIn(temp('second.jsonl'))).toEqual(reference);
  }, 240_000);

  it('on one --out: the second is refused with exit 2 naming the first, whose file stays whole', async () => {
    const out = temp('contested.jsonl');
    gate.close();
    const first = start(temp('store-a'), out);
    await waitFor(() => gate.waiting === 2, 'the first run has two calls in flight');
    const secondRun = start(temp('store-b'), out);
    // Refused, it ends on its own; let in, it would pay and reach the gate too.
    await waitFor(() => secondRun.child.exitCode !== null || gate.waiting > 2, 'the second run ends or pays');
    gate.open();
    const second = await secondRun.done;
    expect(second.code).toBe(exitCodes.locked);
    expect(second.stderr).toMatch(new RegExp(`results file ${out} is in use by process ${first.child.pid}`));
    const firstResult = await first.done;
    expect(firstResult.code).toBe(exitCodes.ok);
    expect(answersIn(out)).toEqual(reference);
    expect(existsSync(`${out}.lock`)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
  }, 240_000);
});
