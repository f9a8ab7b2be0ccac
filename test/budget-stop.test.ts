import { existsSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../src/cli/exit-codes.js';
import { type SimServer, startSimServer } from '../src/sim/serve.js';
import { boolqTask } from '../src/task/builtin-tasks.js';
import { useTempDir } from '../src/test/temp-dir.js';
import { itemRows, parityItems, writeJsonl } from './harness/data-files.js';
import { readJsonl, runCli } from './harness/run-cli.js';
import { type Front, startFront } from './harness/start-front.js';

/*
 * --max-cost reached while a request is out at the server, through the command line against a
 * proxy in front of the simulator's HTTP server: a request already sent is paid for whatever
 * happens, so the run lets it finish, counts it, keeps its reply, and the run resumed later pays
 * for each request once.
 */

const temp = useTempDir();
const items = parityItems(64);
let sim: SimServer;
let proxy: Front;
/** Chat requests that reached the proxy. */
let posts = 0;
/** When set, the proxy holds the request with this number that long before passing it on. */
let hold: { post: number; ms: number } | undefined;
let dataFile: string;
let pricesFile: string;
let counter = 0;

beforeAll(async () => {
  sim = await startSimServer({ task: boolqTask, items, quiet: true });
  proxy = await startFront(sim.url, async (request, forward) => {
    if (request.method === 'POST') {
      posts += 1;
      if (hold?.post === posts) await new Promise((resolve) => setTimeout(resolve, hold?.ms));
    }
    return forward();
  });
  dataFile = writeJsonl(temp('data.jsonl'), itemRows(items));
  pricesFile = temp('prices.json');
  writeFileSync(pricesFile, JSON.stringify({ 'openai-compatible:sim-gpt-4': { input: 30, output: 60 } }));
});
afterAll(async () => {
  await proxy?.close();
  await sim?.close();
});

function runArgs(storeDir: string, maxCost?: number): string[] {
  counter += 1;
  // Two calls in flight at a time, eight items a call, two rounds.
  const settings =
    '--task boolq --label-field label --format lines --batch-size 8 --rounds 2 --no-seas --concurrency 2';
  return [
    'run',
    ...settings.split(' '),
    ...['--data', dataFile, '--model', 'openai-compatible:sim-gpt-4', '--base-url', proxy.url],
    ...['--store-dir', storeDir, '--out', temp(`out-${counter}.jsonl`), '--prices', pricesFile],
    '--json',
    '--quiet',
    ...(maxCost === undefined ? [] : ['--max-cost', String(maxCost)]),
  ];
}

async function counted(args: string[]) {
  const before = posts;
  const result = await runCli(args);
  return { ...result, requests: posts - before };
}

describe('a budget reached while a request is out at the server', () => {
  it('lets it finish, counts it in the stop message, and the resumed run does not pay for it again', async () => {
    const reference = await counted(runArgs(temp('reference-store')));
    expect(reference.code).toBe(exitCodes.ok);
    const summary = JSON.parse(reference.stdout) as { calls: number; estimatedCostUsd: number };
    const callCost = summary.estimatedCostUsd / summary.calls;

    // A budget below any call: the message gives one call's worst case, and nothing is sent.
    const probe = await counted(runArgs(temp('probe-store'), 0.000001));
    expect(probe.requests).toBe(0);
    const worstCase = Number(/could have taken the cost to \$([\d.]+)/.exec(probe.stderr)?.[1]);
    expect(worstCase).toBeGreaterThan(callCost);

    // Two calls go out at once and fit at their worst. The first comes back at once; the second
    // is held at the proxy (long enough for a loaded machine to send the next), so the third, at
    // its worst with the second's worst still reserved, passes the budget while the second is out.
    const storeDir = temp('capped-store');
    const budget = Number((2 * worstCase + callCost / 2).toFixed(6));
    hold = { post: posts + 2, ms: 8000 };
    const capped = await counted(runArgs(storeDir, budget));
    hold = undefined;
    expect(capped.code, capped.stderr).toBe(exitCodes.budget);
    expect(capped.requests).toBe(2);
    const stop =
      /(\d+) call\(s\) made for \$([\d.]+) \((\d+) of them in flight when the budget was reached, let finish\)/.exec(
        capped.stderr,
      );
    expect(stop, capped.stderr).not.toBeNull();
    // Both requests the server saw are counted and priced, the one in flight at the stop included.
    expect(Number(stop![1])).toBe(2);
    expect(Number(stop![3])).toBe(1);
    // Two calls' dollars, not one's (calls differ in size by a few tokens).
    expect(Number(stop![2])).toBeGreaterThan(1.5 * callCost);
    expect(Number(stop![2])).toBeLessThanOrEqual(budget);

    // Its reply was kept: the same command with room to finish pays only for the rest.
    const resumed = await counted(runArgs(storeDir, 1000));
    expect(resumed.code, resumed.stderr).toBe(exitCodes.ok);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ resumed: true, cacheHits: 2, answered: 64 });
    expect(capped.requests + resumed.requests).toBe(reference.requests);
  }, 120_000);
});

describe('the results of a run stopped at the budget', () => {
  it('keep in <out>.partial the rows written before the stop, and leave no .partial when none was', async () => {
    const reference = await counted(runArgs(temp('partial-reference-store')));
    const { estimatedCostUsd } = JSON.parse(reference.stdout) as { estimatedCostUsd: number };
    const cases = [
      // Below any call: nothing is sent, nothing written.
      { maxCost: 0.000001, extra: [] },
      // Half the run in one window of 64 items: the window never finishes, nothing is written.
      { maxCost: estimatedCostUsd / 2, extra: [] },
      // Half the run in windows of 8: the windows answered before the stop are written.
      { maxCost: estimatedCostUsd / 2, extra: ['--window-size', '8'] },
    ];
    const kept: number[] = [];
    for (const { maxCost, extra } of cases) {
      const args = [...runArgs(temp(`partial-store-${counter}`), Number(maxCost.toFixed(6))), ...extra];
      const out = args[args.indexOf('--out') + 1]!;
      const capped = await runCli(args);
      expect(capped.code, capped.stderr).toBe(exitCodes.budget);
      const answered = Number(/(\d+) of 64 items with a final answer so far/.exec(capped.stderr)?.[1]);
      if (!existsSync(`${out}.partial`)) {
        kept.push(0);
        expect(capped.stderr).not.toContain('partial results');
        continue;
      }
      // Every answer given is in the file, and the message points to it.
      const lines = readJsonl(`${out}.partial`);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.filter((row) => row.status === 'answered')).toHaveLength(answered);
      expect(capped.stderr).toContain(`partial results in ${out}.partial`);
      kept.push(lines.length);
    }
    expect(kept.slice(0, 2)).toEqual([0, 0]);
    expect(kept[2]).toBeGreaterThan(0);
  }, 120_000);
});

describe('a batch job that would pass the budget', () => {
  it('is never submitted, and the message says so and what to change instead of telling to let it finish', async () => {
    // One round of eight calls, all gathered at once into one job: the batch rate's worst case
    // of one call, from a budget below any call (nothing is sent).
    const batchArgs = (storeDir: string, maxCost: number) => [
      ...runArgs(storeDir, maxCost),
      ...['--batch-api', '--strategy', 'batch', '--poll-interval-ms', '10'],
    ];
    const probe = await runCli(batchArgs(temp('batch-probe-store'), 0.000001));
    expect(probe.code, probe.stderr).toBe(exitCodes.budget);
    const worstCase = Number(/could have taken the cost to \$([\d.]+)/.exec(probe.stderr)?.[1]);
    expect(worstCase).toBeGreaterThan(0);

    // Room for the first call at its worst, not the second: the first is gathered for the job,
    // the second refused, and the run stops before the job goes.
    const storeDir = temp('batch-capped-store');
    const jobsBefore = sim.stats().batch.jobsCreated;
    for (const attempt of ['first', 'again']) {
      const capped = await runCli(batchArgs(storeDir, Number((1.5 * worstCase).toFixed(6))));
      expect(capped.code, `${attempt}: ${capped.stderr}`).toBe(exitCodes.budget);
      expect(capped.stderr).toContain(
        '0 call(s) made for $0.0000, 0 of 64 items with a final answer so far. The 1 call(s) gathered with it for a batch job were not submitted: nothing of them was sent or paid.',
      );
      expect(capped.stderr).toContain(
        'the same command with the same --max-cost cannot get past it (completed calls are cached): raise --max-cost, or drop --batch-api',
      );
      expect(capped.stderr).not.toContain('let finish');
    }
    expect(sim.stats().batch.jobsCreated).toBe(jobsBefore);
  }, 120_000);
});
