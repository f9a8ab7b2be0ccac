import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item } from '../src/engine/types.js';
import { type SimServer, startSimServer } from '../src/sim/serve.js';
import { boolqTask } from '../src/task/builtin-tasks.js';
import { useTempDir } from '../src/test/temp-dir.js';
import { cliFlags } from './harness/cli-flags.js';
import { itemRows, writeJsonl } from './harness/data-files.js';
import { type CliProcess, killProcess, spawnCli } from './harness/spawn-cli.js';
import { waitFor } from './harness/wait-for.js';

/*
 * Ctrl-C during a run: the process stops without waiting for the calls in flight, says how to
 * resume, and resumes. The replies take 10 minutes, so a run that waited for them could not exit
 * within the 2-minute bound; the bound itself is loose enough for a loaded 2-core machine (the
 * stop takes well under a second on an idle one).
 */

/** How long the slow server takes to answer: far past the stop's bound and every test's timeout. */
const replyLatencyMs = 600_000;
/** How long a stop may take after SIGINT, on a machine busy with other work. */
const stopBoundMs = 120_000;

const temp = useTempDir();
let server: SimServer;
let fastServer: SimServer;
let dataFile: string;

const items: Item[] = Array.from({ length: 96 }, (_, index) => ({
  id: `q${index}`,
  fields: {
    question: `is claim ${index} supported`,
    passage: `Claim ${index} -- a passage about claim ${index}.`,
  },
  gold: index % 2 === 0,
}));

function start(storeDir: string, baseUrl: string, command: 'run' | 'eval' = 'run', extra: string[] = []) {
  return spawnCli([
    command,
    ...cliFlags({
      task: 'boolq',
      data: dataFile,
      model: 'openai-compatible:sim-gpt-4',
      'base-url': baseUrl,
      'batch-size': 8,
      concurrency: 4,
      'store-dir': storeDir,
      json: true,
      quiet: command === 'run',
    }),
    ...extra,
  ]);
}

describe('Ctrl-C during a run', () => {
  beforeAll(async () => {
    dataFile = writeJsonl(temp('data.jsonl'), itemRows(items));
    // Slow replies, so that calls are in flight when the signal comes and stay so for long after.
    server = await startSimServer({ task: boolqTask, items, latencyMs: replyLatencyMs, quiet: true });
    // The same model without the delay, to finish the resumed run quickly.
    fastServer = await startSimServer({ task: boolqTask, items, quiet: true });
  });

  afterAll(async () => {
    await server.close();
    await fastServer.close();
  });

  /**
   * Sends SIGINT once the server has seen `requests` requests, and checks the command stops with
   * exit code 130 without waiting for the calls in flight (they take 10 minutes here, the bound is 2).
   */
  async function interruptOnceCalling(first: CliProcess, requests: number): Promise<void> {
    // Generous: a loaded 2-core machine can take tens of seconds to start the command line.
    await waitFor(() => server.stats().requests >= requests, 'the command started calling', 150_000);
    first.child.kill('SIGINT');
    const stopped = await Promise.race([first.done, sleep(stopBoundMs, undefined, { ref: false })]);
    if (stopped === undefined) await killProcess(first);
    expect(
      stopped,
      `still running ${stopBoundMs / 1000} s after SIGINT: it waits for the calls in flight`,
    ).toBeDefined();
    expect(stopped?.code).toBe(130);
  }

  it('stops with exit code 130 without waiting for the calls in flight, and the same command then finishes the job', async () => {
    const storeDir = temp('store');
    const first = start(storeDir, server.url);
    await interruptOnceCalling(first, 4);
    expect(first.stderr()).toContain('run the same command again to resume');
    // The calls in flight reached the server, which bills them: the interrupted run says so.
    expect(first.stderr()).toMatch(
      /requests sent \/ answered \/ failed: (\d+) \/ 0 \/ \1 \(\1 billed, \1 of them abandoned under way when the run stopped/,
    );

    const second = start(storeDir, fastServer.url);
    const finished = await second.done;
    expect(finished.code).toBe(0);
    const summary = JSON.parse(finished.stdout);
    expect(summary).toMatchObject({ items: 96, answered: 96, resumed: true });
  }, 300_000);

  it('does not promise a resume from the cache when --no-cache kept no reply', async () => {
    const before = server.stats().requests;
    const first = start(temp('no-cache-store'), server.url, 'run', ['--no-cache']);
    await interruptOnceCalling(first, before + 4);
    const stderr = first.stderr();
    expect(stderr).toContain('--no-cache kept no reply');
    expect(stderr).toContain('the same command pays for every call again');
    expect(stderr).not.toContain('cached; run the same command again to resume');
  }, 300_000);

  it('stops eval the same way: exit code 130 without waiting for the calls in flight', async () => {
    const before = server.stats().requests;
    const out = temp('eval-results.jsonl');
    const first = start(temp('eval-store'), server.url, 'eval', ['--out', out]);
    await interruptOnceCalling(first, before + 4);
    expect(first.stderr()).toContain('interrupted');
    // No reply came, so eval wrote nothing: no empty .partial is left, nor promised (what a
    // stopped eval wrote stays: src/cli/commands/eval-pipeline.test.ts).
    expect(first.stderr()).not.toContain('partial results');
    expect(existsSync(`${out}.partial`)).toBe(false);
    expect(existsSync(out)).toBe(false);
    expect(first.stdout()).toBe('');
  }, 300_000);
});
