import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A fresh directory for one test file's fixtures, removed after its tests. */
export function useTempDir(): (name: string) => string {
  const directory = mkdtempSync(join(tmpdir(), 'batchprompt-io-'));
  // Retried: a command refused late (its store could not open) may still be creating its empty
  // `<out>.partial` when it returns, and a removal racing that fails with ENOTEMPTY.
  afterAll(() => rmSync(directory, { recursive: true, force: true, maxRetries: 5 }));
  return (name) => join(directory, name);
}
