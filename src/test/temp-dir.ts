import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** Paths inside one test file's temp directory; `folder` also creates the directory. */
export interface TempDir {
  (name: string): string;
  folder(name: string): string;
}

/** A fresh directory for one test file's fixtures, removed after its tests. */
export function useTempDir(): TempDir {
  const directory = mkdtempSync(join(tmpdir(), 'batchprompt-io-'));
  // Retried: a removal racing a file that is still being closed fails with ENOTEMPTY.
  afterAll(() => rmSync(directory, { recursive: true, force: true, maxRetries: 5 }));
  const path = (name: string) => join(directory, name);
  return Object.assign(path, {
    folder(name: string) {
      mkdirSync(path(name), { recursive: true });
      return path(name);
    },
  });
}
