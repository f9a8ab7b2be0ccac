import { BatchPromptError, StoreError } from '../spec/errors.js';

/** What an SQLite result code means for the operator, and what to do about it. */
function explain(code: string, file: string, directory: string): string {
  if (code === 'SQLITE_FULL') return 'the disk is full; free some space';
  if (code.startsWith('SQLITE_READONLY'))
    return `it is read-only; make ${directory} writable, or use --store-dir with a writable directory`;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return 'another process held it locked for longer than the busy timeout; let it finish, then run again';
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'))
    return `it is damaged; move it aside (mv ${file} ${file}.damaged) to start an empty store, or use --store-dir with another directory`;
  if (code.startsWith('SQLITE_CANTOPEN'))
    return `it cannot be opened; check that ${directory} exists and is writable`;
  if (code.startsWith('SQLITE_IOERR'))
    return 'the disk reported an I/O error; check the disk, then run again';
  return 'run again once the cause is fixed, or use --store-dir with another directory';
}

/**
 * An error of the SQLite layer as a `StoreError` naming the file, what went wrong and what to do;
 * any other error (our own, an `InputError` for a refused secret) is returned as it is.
 */
export function toStoreError(
  error: unknown,
  where: { file: string; directory: string; action: string },
): unknown {
  if (BatchPromptError.isInstance(error)) return error;
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StoreError(
    `cannot ${where.action} the store ${where.file}: ${message} (${code}): ${explain(code, where.file, where.directory)}`,
    { path: where.file, cause: error },
  );
}
