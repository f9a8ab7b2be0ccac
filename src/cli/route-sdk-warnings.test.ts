import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnCli } from '../../test/harness/spawn-cli.js';
import { startSimServer } from '../sim/serve.js';
import { loadItems } from '../source/load-items.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { routeSdkWarnings } from './route-sdk-warnings.js';

type Logger = (options: { warnings: object[]; provider: string; model: string }) => void;
const globals = globalThis as { AI_SDK_LOG_WARNINGS?: unknown };

afterEach(() => {
  globals.AI_SDK_LOG_WARNINGS = undefined;
});

describe('routeSdkWarnings', () => {
  it('writes each distinct AI SDK warning once, to the given writer', () => {
    globals.AI_SDK_LOG_WARNINGS = undefined;
    const lines: string[] = [];
    routeSdkWarnings((line) => lines.push(line));
    const logger = globals.AI_SDK_LOG_WARNINGS as Logger;
    const temperature = { type: 'unsupported', feature: 'temperature', details: 'not for reasoning models' };
    for (let call = 0; call < 3; call += 1) {
      logger({ warnings: [temperature], provider: 'openai.chat', model: 'gpt-5-mini' });
    }
    logger({
      warnings: [{ type: 'other', message: 'something else' }],
      provider: 'openai.chat',
      model: 'gpt-5-mini',
    });
    expect(lines).toEqual([
      'warning: openai.chat / gpt-5-mini: `temperature` is not supported (not for reasoning models)\n',
      'warning: openai.chat / gpt-5-mini: something else\n',
    ]);
  });

  it("keeps a logger the user installed, and the user's `false`", () => {
    const own = () => {};
    globals.AI_SDK_LOG_WARNINGS = own;
    routeSdkWarnings(() => {});
    expect(globals.AI_SDK_LOG_WARNINGS).toBe(own);
    globals.AI_SDK_LOG_WARNINGS = false;
    routeSdkWarnings(() => {});
    expect(globals.AI_SDK_LOG_WARNINGS).toBe(false);
  });

  it('a new command replaces its own earlier logger, so its warnings are shown again', () => {
    const first: string[] = [];
    const second: string[] = [];
    routeSdkWarnings((line) => first.push(line));
    routeSdkWarnings((line) => second.push(line));
    (globals.AI_SDK_LOG_WARNINGS as Logger)({
      warnings: [{ type: 'other', message: 'm' }],
      provider: 'p',
      model: 'm',
    });
    expect([first.length, second.length]).toEqual([0, 1]);
  });
});

describe('run --json with a model the AI SDK warns about', () => {
  let directory: string | undefined;
  afterEach(() => {
    if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  });

  it('prints only the JSON summary on standard output, and the warning once on standard error', async () => {
    directory = mkdtempSync(join(tmpdir(), 'batchprompt-sdk-warnings-'));
    const data = join(import.meta.dirname, '../../examples/demo/yes-no.jsonl');
    const server = await startSimServer({
      task: boolqTask,
      items: await loadItems(data, boolqTask),
      port: 0,
      quiet: true,
    });
    try {
      // gpt-5-mini is a reasoning model: the AI SDK drops the temperature of each of its calls,
      // and says so at every call.
      const running = spawnCli(
        [
          ...['run', '--task', 'boolq', '--data', data, '--limit', '24', '--batch-size', '8'],
          ...['--strategy', 'bpe', '--rounds', '2', '--model', 'openai:gpt-5-mini'],
          ...['--base-url', server.url, '--store-dir', join(directory, 'store')],
          ...['--out', join(directory, 'results.jsonl'), '--json', '--quiet'],
        ],
        { OPENAI_API_KEY: 'sk-test-sdk-warnings' },
      );
      const exit = await running.done;
      expect(exit.code, exit.stderr).toBe(0);
      const summary = JSON.parse(exit.stdout) as { calls: number; answered: number };
      expect(summary.answered).toBe(24);
      expect(summary.calls).toBeGreaterThanOrEqual(4);
      const warnings = exit.stderr.split('\n').filter((line) => line.includes('temperature'));
      expect(warnings).toEqual([
        expect.stringMatching(/^warning: openai\.chat \/ gpt-5-mini: `temperature`/),
      ]);
    } finally {
      await server.close();
    }
  });
});
