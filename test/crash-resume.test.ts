import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../src/engine/seeded-random.js';
import type { SimServer } from '../src/sim/serve.js';
import { rteTask } from '../src/task/builtin-tasks.js';
import { useTempDir } from '../src/test/temp-dir.js';
import { cliFlags } from './harness/cli-flags.js';
import { sharedDataFile } from './harness/repo-paths.js';
import { answersIn } from './harness/run-cli.js';
import { spawnCli } from './harness/spawn-cli.js';
import { startSimOn } from './harness/start-sim-on.js';
import { waitFor } from './harness/wait-for.js';

/*
 * A run against the simulator's HTTP server is killed with SIGKILL at a random point, then the
 * same command is run again. The results must equal an uninterrupted run's, and the calls paid
 * twice must be no more than those in flight at the kill. The run takes the default strategy, the
 * adaptive rule, on two profiles: on `gpt-4` its pilot finds the model order-dependent and the run
 * goes on as BPE+SEAS; on `frontier` the pilot finds it stable and most items stop after round 1,
 * so a resumed run must reach the same decision from the cached replies. A third suite starts at
 * 8 items per call and makes a probe cheap enough to pay on RTE's 277 items (8 anchors, a looser
 * growth limit), so the pilot runs on round 1's first calls and the batch grows in the first
 * window: a resumed run must take the same pilot, probes and sizes from the cached replies.
 */

const rte = sharedDataFile('rte.dev.jsonl');
const temp = useTempDir();
const concurrency = 3;

function start(server: SimServer, storeDir: string, out: string, extra: readonly string[]) {
  return spawnCli([
    'run',
    ...cliFlags({
      task: 'rte',
      data: rte.file,
      model: 'openai-compatible:sim-gpt-4',
      'base-url': server.url,
      format: 'lines',
      'batch-size': 16,
      concurrency,
      'store-dir': storeDir,
      out,
      json: true,
      quiet: true,
    }),
    ...extra,
  ]);
}

const growth = [
  '--batch-size',
  '8',
  '--adaptive-probe-anchors',
  '8',
  '--adaptive-probe-disagreement-limit',
  '0.2',
];

const suites = [
  {
    profile: 'gpt-4',
    killSeeds: [11, 12, 13],
    decision: 'order-dependent',
    extra: [],
    grows: false,
    calls: 10,
  },
  // At its default rates the pilot's test calls this profile stable. A probe with anchors would
  // not pay on RTE's 277 items, so the pilot asks its answers again among new items of round 1 in
  // a larger call (32 here, to keep about ten calls to kill in: two of 16, the pilot's 32, the
  // rest of round 1 at 32; the model is sure of more than 80% of the first two calls' answers) and
  // the batch grows to that size in the first window: a resumed run must take
  // the same pilot calls, verdict and size from the cached replies.
  {
    profile: 'frontier',
    killSeeds: [21, 22],
    decision: 'stable',
    extra: ['--adaptive-max-batch-size', '32'],
    grows: true,
    calls: 8,
  },
  // About 26 calls: round 1 at 8 items with the pilot's calls among them (until the test decides),
  // a probe of 16, the rest of round 1 at 16; the kills fall in round 1's first calls, among the
  // pilot's, before the probe and in the rest.
  {
    profile: 'frontier',
    killSeeds: [51, 52, 32, 36],
    decision: 'stable',
    extra: growth,
    grows: true,
    calls: 10,
  },
] as const;

for (const [index, { profile, killSeeds, decision, extra, grows, calls }] of suites.entries()) {
  const name = `sim ${profile}, ${grows ? `the batch growing in the first window (${extra.join(' ')})` : 'no growth'}`;
  describe.skipIf(!rte.present)(`a run killed with SIGKILL and run again (${name})`, () => {
    let server: SimServer;
    let directory: string;
    let reference: [unknown, unknown][];
    let referenceRequests: number;
    let referenceDecision: string;
    let referenceAdaptive: { finalBatchSize: number; startBatchSize: number; probes: unknown[] };

    beforeAll(async () => {
      directory = temp.folder(`suite-${index}-${profile}`);
      server = await startSimOn(rte.file, rteTask, { profile, latencyMs: 40 });
      const before = server.stats().requests;
      const out = join(directory, 'reference.jsonl');
      const { done } = start(server, join(directory, 'reference-store'), out, extra);
      const result = await done;
      expect(result.code).toBe(0);
      referenceAdaptive = JSON.parse(result.stdout).adaptive;
      referenceDecision = JSON.parse(result.stdout).adaptive.decision;
      reference = answersIn(out);
      referenceRequests = server.stats().requests - before;
    }, 120_000);

    afterAll(async () => {
      await server?.close();
    });

    it('has a reference run that answered every item', () => {
      expect(referenceDecision).toMatch(new RegExp(`^sequential test ${decision}`));
      const startSize = referenceAdaptive.startBatchSize;
      if (grows) expect(referenceAdaptive.finalBatchSize).toBeGreaterThan(startSize);
      else expect(referenceAdaptive.finalBatchSize).toBe(startSize);
      expect(reference).toHaveLength(277);
      expect(reference.every(([, answer]) => answer !== null)).toBe(true);
      expect(referenceRequests).toBeGreaterThanOrEqual(calls);
    });

    // Kill points drawn from fixed seeds: random places in the run, the same in every CI run.
    for (const seed of killSeeds) {
      const killAfter = 0.05 + 0.9 * seededRandom(seed)();
      it(`completes with the same answers after a kill at ${Math.round(killAfter * 100)}% of the calls (seed ${seed}), paying again only for calls in flight`, async () => {
        const storeDir = join(directory, `store-${seed}`);
        const out = join(directory, `out-${seed}.jsonl`);
        const before = server.stats().requests;
        const first = start(server, storeDir, out, extra);
        const target = Math.max(1, Math.floor(referenceRequests * killAfter));
        await waitFor(() => server.stats().requests - before >= target, `${target} requests`, 60_000);
        first.child.kill('SIGKILL');
        const killed = await first.done;
        expect(killed.code).toBeNull();
        expect(existsSync(out)).toBe(false);

        const second = start(server, storeDir, out, extra);
        const finished = await second.done;
        expect(finished.code).toBe(0);
        const summary = JSON.parse(finished.stdout);
        expect(summary.resumed).toBe(true);
        expect(summary.cacheHits).toBeGreaterThan(0);
        expect(answersIn(out)).toEqual(reference);
        expect(summary.adaptive.decision).toBe(referenceDecision);
        expect(summary.adaptive.probes).toEqual(referenceAdaptive.probes);
        expect(summary.adaptive.finalBatchSize).toBe(referenceAdaptive.finalBatchSize);
        const paidAgain = server.stats().requests - before - referenceRequests;
        expect(paidAgain).toBeGreaterThanOrEqual(0);
        expect(paidAgain).toBeLessThanOrEqual(concurrency);
      }, 120_000);
    }
  });
}
