import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/* The README's library example runs against the built package, as a user would import it. */

const repoRoot = resolve(import.meta.dirname, '..');
const built = existsSync(resolve(repoRoot, 'dist/index.js'));

describe.skipIf(!built)('examples/library.mjs', () => {
  it('imports batchprompt by name and answers every demo question', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['examples/library.mjs'], {
      cwd: repoRoot,
    });
    expect(stdout).toMatch(/sim:gpt-4 \(simulated\): 64\/64 answered, accuracy \d+\.\d%, \d+ calls/);
    expect(stdout).toContain("status: 'answered'");
  });

  it('ships the test doubles from batchprompt/test, not from the main entry point', async () => {
    const script = [
      "const main = await import('batchprompt');",
      "const doubles = await import('batchprompt/test');",
      'console.log(JSON.stringify({',
      "  main: ['createScriptedModel', 'startLoopbackServer', 'echoModel'].filter((name) => name in main),",
      "  doubles: ['createScriptedModel', 'startLoopbackServer', 'echoModel'].filter((name) => name in doubles),",
      '  stack: typeof main.createModelStack, wrap: typeof main.wrapChatModel,',
      '}));',
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: repoRoot,
    });
    expect(JSON.parse(stdout)).toEqual({
      main: [],
      doubles: ['createScriptedModel', 'startLoopbackServer', 'echoModel'],
      stack: 'function',
      wrap: 'function',
    });
  });
});
