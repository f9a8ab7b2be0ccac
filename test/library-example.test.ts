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
});
