import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A fresh directory for one test file's fixtures, removed after its tests. */
export function useTempDir(): (name: string) => string {
  const directory = mkdtempSync(join(tmpdir(), 'batchprompt-io-'));
  // Retried: a removal racing a file that is still being closed fails with ENOTEMPTY.
  afterAll(() => rmSync(directory, { recursive: true, force: true, maxRetries: 5 }));
  return (name) => join(directory, name);
}
