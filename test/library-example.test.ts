import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

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

/*
 * Another project that installs the packed package and imports it by name: the tarball `npm pack`
 * makes, unpacked into the project's node_modules, with its dependencies linked from this
 * checkout's (a real `npm install` of the tarball needs the registry and minutes:
 * scripts/check-install.sh does that one). Only what the package ships is there.
 */
describe.skipIf(!built)('the packed package, from another project', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'batchprompt-project-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true, maxRetries: 5 }));
  const project = join(scratch, 'project');
  const run = promisify(execFile);

  async function installPackedPackage(): Promise<void> {
    const { stdout } = await run(
      'npm',
      ['pack', '--ignore-scripts', '--silent', '--pack-destination', scratch],
      {
        cwd: repoRoot,
      },
    );
    const tarball = join(scratch, stdout.trim().split('\n').at(-1)!);
    const modules = join(project, 'node_modules');
    mkdirSync(modules, { recursive: true });
    await run('tar', ['-xzf', tarball, '-C', modules]);
    renameSync(join(modules, 'package'), join(modules, 'batchprompt'));
    const manifest = JSON.parse(readFileSync(join(modules, 'batchprompt', 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    for (const dependency of Object.keys(manifest.dependencies)) {
      mkdirSync(dirname(join(modules, dependency)), { recursive: true });
      symlinkSync(join(repoRoot, 'node_modules', dependency), join(modules, dependency), 'dir');
    }
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'my-app', type: 'module', private: true }),
    );
  }

  it('imports batchprompt by name from its own node_modules and answers with batchPrompt on sim', async () => {
    await installPackedPackage();
    writeFileSync(
      join(project, 'use.mjs'),
      [
        "import { batchPrompt, boolqTask, createModelStack } from 'batchprompt';",
        'const items = Array.from({ length: 12 }, (_, index) => ({',
        "  id: 'q' + index,",
        "  fields: { question: 'is ' + index + ' even', passage: 'The number ' + index + (index % 2 ? ' is odd.' : ' is even.') },",
        '  gold: index % 2 === 0,',
        '}));',
        "const { model } = await createModelStack({ uri: 'sim', task: boolqTask, knownItems: () => items });",
        'const { results, summary } = await batchPrompt({ task: boolqTask, items, model, batchSize: 4, rounds: 1 });',
        "console.log(JSON.stringify({ from: import.meta.resolve('batchprompt'), answered: summary.answered, simulated: summary.simulated, calls: summary.calls, first: results[0].status }));",
      ].join('\n'),
    );
    const { stdout } = await run(process.execPath, ['use.mjs'], { cwd: project });
    const printed = JSON.parse(stdout) as Record<string, unknown>;
    expect(printed.from).toBe(`file://${join(project, 'node_modules', 'batchprompt', 'dist', 'index.js')}`);
    expect(printed).toMatchObject({ answered: 12, simulated: true, calls: 3, first: 'answered' });

    // Its command, without node-llama-cpp in the project, says how to install it there.
    const refused = await run(
      process.execPath,
      [
        join(project, 'node_modules', 'batchprompt', 'bin', 'batchprompt.js'),
        'run',
        '--task',
        'boolq',
        '--data',
        'none.jsonl',
      ],
      { cwd: project },
    ).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(refused?.code).toBe(3);
    expect(refused?.stderr).toContain(
      `To install it in your project ${project}, which depends on batchprompt:`,
    );
    expect(refused?.stderr).toMatch(/\n {2}npm install node-llama-cpp@3\.21\.1\n/);
  });
});
