import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../test/harness/repo-paths.js';
import { runCli } from '../../../test/harness/run-cli.js';

/** The block README's "The demo" section says `npx batchprompt demo` prints. */
function readmeDemoOutput(): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const block = /`npx batchprompt demo` prints[^\n]*\n\n```\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README.md has no block after "`npx batchprompt demo` prints"');
  return block;
}

describe('batchprompt demo', () => {
  // The demo is the first thing a new user runs: README shows its output, which a change to the
  // prompt, the reply format or the simulator moves (the simulator is seeded, so it is exact).
  it('prints exactly what README shows', async () => {
    const outcome = await runCli(['demo']);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).toBe(readmeDemoOutput());
  });
});
