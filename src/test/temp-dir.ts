import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A fresh directory for one test file's fixtures, removed after its tests. */
export function useTempDir(): (name: string) => string {
  const directory = mkdtempSync(join(tmpdir(), 'batchprompt-io-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  return (name) => join(directory, name);
}
