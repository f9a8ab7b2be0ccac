import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimServer, startSimServer } from '../src/sim/serve.js';
import { loadItems } from '../src/source/load-items.js';
import { boolqTask } from '../src/task/builtin-tasks.js';
import { runCli } from './harness/run-cli.js';

/* `eval` over a real provider path gives what the in-process simulator gives, call for call. */

const demoFile = resolve(import.meta.dirname, '../examples/demo/yes-no.jsonl');
let server: SimServer;
let directory: string;

describe('eval through openai-compatible against the simulator server', () => {
  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'batchprompt-eval-'));
    server = await startSimServer({
      task: boolqTask,
      items: await loadItems(demoFile, boolqTask),
      quiet: true,
    });
  });

  afterAll(async () => {
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('matches the in-process simulated run in accuracy, calls and tokens, and caches the replies', async () => {
    const common = ['eval', '--task', 'boolq', '--data', demoFile, '--compare', '--json', '--rounds', '3'];
    const inProcess = JSON.parse((await runCli([...common, '--model', 'sim'])).stdout);
    const store = join(directory, 'store');
    const overHttp = await runCli([
      ...common,
      '--model',
      'openai-compatible:sim-gpt-4',
      '--base-url',
      server.url,
      '--store-dir',
      store,
    ]);
    expect(overHttp.code).toBe(0);
    const viaHttp = JSON.parse(overHttp.stdout);
    // The endpoint says it is the simulator, so the output says so too.
    expect(viaHttp.simulated).toBe(true);
    const strip = (
      rows: { name: string; accuracy: number; calls: number; inputTokens: number; outputTokens: number }[],
    ) =>
      rows.map(({ name, accuracy, calls, inputTokens, outputTokens }) => ({
        name,
        accuracy,
        calls,
        inputTokens,
        outputTokens,
      }));
    expect(strip(viaHttp.strategies)).toEqual(strip(inProcess.strategies));

    const tokensBefore = server.stats().promptTokens + server.stats().completionTokens;
    const again = await runCli([
      ...common,
      '--model',
      'openai-compatible:sim-gpt-4',
      '--base-url',
      server.url,
      '--store-dir',
      store,
    ]);
    expect(again.code).toBe(0);
    // Only the look at /v1/models reaches the server: no completion is asked for again.
    expect(server.stats().promptTokens + server.stats().completionTokens).toBe(tokensBefore);
  }, 60_000);
});
