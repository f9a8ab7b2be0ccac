import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../src/test/temp-dir.js';
import { repoRoot } from './harness/repo-paths.js';
import { spawnNode } from './harness/spawn-cli.js';

/*
 * The README's planning block (after `<!-- library-plan -->`) as a user writes it: type-checked
 * under strict settings against the built package's published types, then run as written on the
 * shipped demo questions. Written from the prose alone, `countPlan(task, items, resolveStrategy({...}))`
 * does not compile (the strategy's `auto` format is settled only when the model is given).
 */

const temp = useTempDir();
const built = existsSync(join(repoRoot, 'dist/index.d.ts'));

function documentedBlock(): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const block = /<!-- library-plan -->\n```js\n([\s\S]*?)\n```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README has no library-plan block');
  return block;
}

describe("the README's planning block", () => {
  it.skipIf(!built)(
    'compiles against the published types with strict settings',
    async () => {
      const project = temp.folder('plan-project');
      mkdirSync(join(project, 'node_modules'), { recursive: true });
      symlinkSync(repoRoot, join(project, 'node_modules', 'batchprompt'), 'dir');
      writeFileSync(join(project, 'plan.mts'), documentedBlock());
      const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
      const flags = ['--noEmit', '--strict', '--noUncheckedIndexedAccess', '--exactOptionalPropertyTypes'];
      const settings = ['--skipLibCheck', '--module', 'nodenext', '--target', 'es2022', '--types', 'node'];
      const roots = ['--typeRoots', join(repoRoot, 'node_modules/@types')];
      const checked = await promisify(execFile)(
        process.execPath,
        [tsc, ...flags, ...settings, ...roots, 'plan.mts'],
        {
          cwd: project,
        },
      ).then(
        () => '',
        (error: { stdout: string }) => error.stdout,
      );
      expect(checked).toBe('');
    },
    120_000,
  );

  it('runs as written: SinglePrompt, the worst case and the simulated forecast, priced', async () => {
    const script = documentedBlock()
      .replace("from 'batchprompt'", `from ${JSON.stringify(join(repoRoot, 'src/index.ts'))}`)
      .replace("'questions.jsonl'", JSON.stringify(join(repoRoot, 'examples/demo/yes-no.jsonl')));
    const file = temp('plan.mts');
    writeFileSync(file, script);
    const { code, stdout, stderr } = await spawnNode(['--import', 'tsx', file]).done;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.map((line) => line.split(':')[0])).toEqual(['single', 'worstCase', 'expected']);
    expect(lines[0]).toMatch(/^single: 64 calls, \d+ \+ \d+ tokens, \$0\.\d{4}$/);
    const calls = lines.map((line) => Number(/: (\d+) calls/.exec(line)?.[1]));
    expect(calls[2]).toBeLessThan(calls[0]!);
    expect(lines[2]).toMatch(/\$0\.\d{4}$/);
  }, 120_000);
});
