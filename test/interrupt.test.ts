import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item } from '../src/engine/types.js';
import { type SimServer, startSimServer } from '../src/sim/serve.js';
import { boolqTask } from '../src/task/builtin-tasks.js';

/*
 * Ctrl-C during a run: the process stops without waiting for the calls in flight, says how to
 * resume, and resumes. The replies take 20 s, so a run that waited for them could not exit within
 * the 10 s bound; the bound itself is loose enough for a loaded 2-core machine (typically well
 * under a second on an idle one).
 */

const repoRoot = resolve(import.meta.dirname, '..');
let directory: string;
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

function runCli(storeDir: string, baseUrl: string, command: 'run' | 'eval' = 'run', extra: string[] = []) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, 'scripts/dev-cli.ts'),
      command,
      '--task',
      'boolq',
      '--data',
      dataFile,
      '--model',
      'openai-compatible:sim-gpt-4',
      '--base-url',
      baseUrl,
      '--batch-size',
      '8',
      '--concurrency',
      '4',
      '--store-dir',
      storeDir,
      '--json',
      ...(command === 'run' ? ['--quiet'] : []),
      ...extra,
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += String(chunk);
  });
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<{ code: number | null; at: number }>((resolveExit) =>
    child.on('exit', (code) => resolveExit({ code, at: Date.now() })),
  );
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe('Ctrl-C during a run', () => {
  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'batchprompt-interrupt-'));
    dataFile = join(directory, 'data.jsonl');
    writeFileSync(
      dataFile,
      items.map((item) => JSON.stringify({ id: item.id, ...item.fields, label: item.gold })).join('\n'),
    );
    // Slow replies, so that calls are in flight when the signal comes and stay so for long after.
    server = await startSimServer({ task: boolqTask, items, latencyMs: 20_000, quiet: true });
    // The same model without the delay, to finish the resumed run quickly.
    fastServer = await startSimServer({ task: boolqTask, items, quiet: true });
  });

  afterAll(async () => {
    await server.close();
    await fastServer.close();
    rmSync(directory, { recursive: true, force: true });
  });

  /**
   * Sends SIGINT once the server has seen `requests` requests, and checks the command stops with
   * exit code 130 without waiting for the calls in flight (they take 20 s here, the bound is 10 s).
   */
  async function interruptOnceCalling(first: ReturnType<typeof runCli>, requests: number): Promise<void> {
    const started = Date.now();
    while (server.stats().requests < requests) {
      // Generous: a loaded 2-core machine can take tens of seconds to start the command line.
      if (Date.now() - started > 150_000) throw new Error('the command never started calling');
      await new Promise((resolveWait) => setTimeout(resolveWait, 10));
    }
    const signalledAt = Date.now();
    first.child.kill('SIGINT');
    const { code, at } = await first.exited;
    expect(code).toBe(130);
    expect(at - signalledAt).toBeLessThan(10_000);
  }

  it('stops with exit code 130 without waiting for the calls in flight, and the same command then finishes the job', async () => {
    const storeDir = join(directory, 'store');
    const first = runCli(storeDir, server.url);
    await interruptOnceCalling(first, 4);
    expect(first.output().stderr).toContain('run the same command again to resume');

    const second = runCli(storeDir, fastServer.url);
    const finished = await second.exited;
    expect(finished.code).toBe(0);
    const summary = JSON.parse(second.output().stdout);
    expect(summary).toMatchObject({ items: 96, answered: 96, resumed: true });
  }, 300_000);

  it('does not promise a resume from the cache when --no-cache kept no reply', async () => {
    const before = server.stats().requests;
    const first = runCli(join(directory, 'no-cache-store'), server.url, 'run', ['--no-cache']);
    await interruptOnceCalling(first, before + 4);
    const { stderr } = first.output();
    expect(stderr).toContain('--no-cache kept no reply');
    expect(stderr).toContain('the same command pays for every call again');
    expect(stderr).not.toContain('cached; run the same command again to resume');
  }, 120_000);

  it('stops eval the same way: exit code 130 without waiting for the calls in flight', async () => {
    const before = server.stats().requests;
    const out = join(directory, 'eval-results.jsonl');
    const first = runCli(join(directory, 'eval-store'), server.url, 'eval', ['--out', out]);
    await interruptOnceCalling(first, before + 4);
    expect(first.output().stderr).toContain('interrupted');
    // What eval wrote so far stays, under the partial name, as run's results do.
    expect(first.output().stderr).toContain(`partial results in ${out}.partial`);
    expect(existsSync(`${out}.partial`)).toBe(true);
    expect(existsSync(out)).toBe(false);
    expect(first.output().stdout).toBe('');
  }, 300_000);
});
