import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The README's shell examples are run by new users inside the checkout. A file they write at the
 * checkout's root (a task.yaml, a report's JSON or HTML) is then checked by `biome check` and
 * fails `npm test`; so every file an example writes goes into scratch/, which .gitignore covers.
 */

const root = resolve(import.meta.dirname, '..');

/** Every command of the README's `sh` blocks, with continuation lines joined and comments cut. */
function readmeCommands(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((match) => match[1]!);
  return blocks.flatMap((block) =>
    block
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
      .filter((line) => line !== ''),
  );
}

/**
 * The files a command writes: what follows `task init`, `--out`, `--review-out`, `-o` and `>`, and
 * the tarball of `npm pack` (in its `--pack-destination`, else where it runs).
 */
function writtenPaths(command: string): string[] {
  const paths: string[] = [];
  for (const match of command.matchAll(/(?:task init|--out|--review-out|\s-o)\s+(\S+)|(?:^|\s)>\s*(\S+)/g)) {
    paths.push((match[1] ?? match[2])!);
  }
  if (/\bnpm pack\b/.test(command)) {
    const destination = /--pack-destination\s+(\S+)/.exec(command)?.[1];
    paths.push(destination === undefined ? 'batchprompt-0.1.0.tgz' : `${destination}/batchprompt-0.1.0.tgz`);
  }
  return paths;
}

/** The data files a command reads: what follows `--data`. */
function dataPaths(command: string): string[] {
  return [...command.matchAll(/--data\s+(\S+)/g)].map((match) => match[1]!);
}

describe("the README's examples", () => {
  const commands = readmeCommands();

  it('are found: the search reads the blocks and the paths written in them', () => {
    expect(commands.length).toBeGreaterThan(15);
    expect(writtenPaths('npx batchprompt report a.json -o b.html > c.txt')).toEqual(['b.html', 'c.txt']);
    expect(writtenPaths('npx batchprompt run --model local:hf:<owner>/<repo>/<file.gguf>')).toEqual([]);
    expect(writtenPaths('npx batchprompt task init t.yaml && batchprompt run --out x.jsonl')).toEqual([
      't.yaml',
      'x.jsonl',
    ]);
    // What the README wrote before: files at the root of the checkout.
    expect(writtenPaths('npx batchprompt eval --task rte --compare --json > rte.json')).toEqual(['rte.json']);
    expect(writtenPaths('npm pack')).toEqual(['batchprompt-0.1.0.tgz']);
    expect(writtenPaths('npm pack --pack-destination scratch')).toEqual(['scratch/batchprompt-0.1.0.tgz']);
  });

  it('write their files into scratch/ only, and git ignores that folder', () => {
    const written = commands.flatMap(writtenPaths);
    expect(written.length).toBeGreaterThan(5);
    expect(written.filter((path) => !path.startsWith('scratch/'))).toEqual([]);
    const ignored = execFileSync('git', ['check-ignore', ...written], { cwd: root, encoding: 'utf8' });
    expect(ignored.trim().split('\n')).toEqual(written);
  });

  // A bare name (questions.jsonl) stands for the reader's own file; a path with a folder reads as
  // one to copy as written, so a fresh clone must hold it (../shared/data is the project's own
  // machine, beside its checkout).
  it('read data at paths a fresh clone has, or under a bare name that stands for your own file', () => {
    const paths = commands.flatMap(dataPaths);
    expect(paths).toContain('questions.jsonl');
    const withFolder = paths.filter((path) => path.includes('/'));
    expect(withFolder.filter((path) => path.startsWith('../') || !existsSync(join(root, path)))).toEqual([]);
    expect(withFolder).toContain('examples/demo/yes-no.jsonl');
  });
});
