import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The checkout's root: the tests spawn the command line and read README.md from here. */
export const repoRoot = resolve(import.meta.dirname, '../..');

/** The command line a user runs from a checkout: node's arguments before the command's own. */
export const devCliArgs: readonly string[] = ['--import', 'tsx', join(repoRoot, 'scripts/dev-cli.ts')];

/**
 * A file of the real data sets (RTE, BoolQ...), read where the checkout's sibling `shared/data`
 * holds them or from BATCHPROMPT_DATA_DIR; `present` is false where they are not, so the tests
 * that need them are skipped rather than failed.
 */
export function sharedDataFile(name: string): { file: string; present: boolean } {
  const directory = process.env.BATCHPROMPT_DATA_DIR ?? resolve(repoRoot, '../shared/data');
  const file = join(directory, name);
  return { file, present: existsSync(file) };
}
