import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { BatchPromptError, StoreError } from '../spec/errors.js';
import { acquireLockFile, type LockFile } from '../util/acquire-lock-file.js';
import { defaultStoreDirectory } from './default-store-directory.js';
import { InFlightClaims } from './in-flight-claims.js';
import { JobJournal } from './job-journal.js';
import { migrateSchema } from './migrate-schema.js';
import { ResponseCache } from './response-cache.js';
import { RunJournal } from './run-journal.js';
import { checkStoreRoom } from './store-room.js';
import { toStoreError } from './to-store-error.js';

export interface StoreOptions {
  /**
   * How long a write waits for another process holding the write lock before failing, in
   * milliseconds. Two batchprompt processes may share one store.
   * @default 10000
   */
  busyTimeoutMs?: number;
  /** Clock for the stored timestamps; injected by tests. @default () => new Date() */
  now?: () => Date;
}

export interface Store {
  /** The directory holding the store, as resolved. */
  readonly directory: string;
  /** Path of the SQLite file, `<directory>/store.sqlite`. */
  readonly file: string;
  /** The connection, for callers that need to group writes in one `transaction`. */
  readonly database: Database.Database;
  readonly responses: ResponseCache;
  readonly journal: RunJournal;
  readonly claims: InFlightClaims;
  /**
   * Takes the lock of one run (`<directory>/run-<runId>.lock`, holding this process's pid): one
   * live process per run id. Throws a `LockError` naming the holder while it lives; a lock left by
   * a dead process is taken over.
   */
  lockRun(runId: string): LockFile;
  /** Provider batch jobs (`--batch-api`) and what became of their requests. */
  readonly jobs: JobJournal;
  /** Closes the connection; further calls do nothing. */
  close(): void;
}

/**
 * Opens (creating it if needed) the store in `directory`: the response cache and run journal in one
 * SQLite file in WAL mode, schema migrated to the current version.
 */
export function openStore(directory = defaultStoreDirectory, options: StoreOptions = {}): Store {
  const busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new BatchPromptError(`Expected \`busyTimeoutMs\` to be an integer >= 0, got \`${busyTimeoutMs}\``);
  }
  const now = options.now ?? (() => new Date());
  const resolvedDirectory = path.resolve(directory);
  const file = path.join(resolvedDirectory, 'store.sqlite');

  // Written once a store has its schema: a directory with this file and an empty database lost
  // its content (truncated, replaced, emptied), and is not silently rebuilt.
  const marker = path.join(resolvedDirectory, 'store.created');
  const where = { file, directory: resolvedDirectory };
  let database: Database.Database;
  try {
    // Owner only: the store holds every reply, every result and the tag secret. SQLite gives the
    // -wal and -shm files the mode of the database file, so creating that one 0600 covers all three.
    fs.mkdirSync(resolvedDirectory, { recursive: true, mode: 0o700 });
    fs.closeSync(fs.openSync(file, 'a', 0o600));
    restrictToOwner(resolvedDirectory, 0o700);
    restrictToOwner(file, 0o600);
    database = new Database(file, { timeout: busyTimeoutMs });
  } catch (error) {
    throw openFailure(error, where);
  }

  try {
    // Before the first write: a disk without room for the write-ahead log would take the first
    // replies paid for and then fill up with them unstored.
    checkStoreRoom(database, where);
    // WAL lets readers in other processes go on while one process writes, and appends each commit
    // to the -wal file instead of rewriting pages in place.
    database.pragma('journal_mode = WAL');
    // NORMAL skips the fsync at each commit; WAL then still survives a kill -9 of this process
    // (every commit has been written to the -wal file through the OS, which outlives us). Only
    // an OS crash or power cut can lose the last commits, and losing a cached reply only means
    // paying for that call again. FULL would fsync once per model call for no gain against kills.
    database.pragma('synchronous = NORMAL');
    // Off by default in SQLite; the journal relies on it to refuse calls and results of unknown runs.
    database.pragma('foreign_keys = ON');
    if (database.pragma('user_version', { simple: true }) === 0 && fs.existsSync(marker)) {
      throw new StoreError(
        `the store ${file} has lost its content: this directory held a store (${marker}) but its database is empty; nothing was rebuilt over it. Move the directory aside (mv ${resolvedDirectory} ${resolvedDirectory}.damaged) to start an empty store, or use --store-dir with another directory`,
        { path: file },
      );
    }
    migrateSchema(database, file);
    if (!fs.existsSync(marker)) fs.writeFileSync(marker, `${new Date().toISOString()}\n`, { mode: 0o600 });
  } catch (error) {
    database.close();
    throw BatchPromptError.isInstance(error) ? error : openFailure(error, where);
  }

  return {
    directory: resolvedDirectory,
    file,
    database,
    responses: new ResponseCache(database, now),
    journal: new RunJournal(database, now),
    claims: new InFlightClaims(database, now),
    lockRun(runId) {
      if (!/^[A-Za-z0-9_-]+$/.test(runId)) {
        throw new BatchPromptError(`Expected a run id of letters, digits, \`-\` and \`_\`, got \`${runId}\``);
      }
      return acquireLockFile(path.join(resolvedDirectory, `run-${runId}.lock`), `Run ${runId}`);
    },
    jobs: new JobJournal(database, now),
    close() {
      if (database.open) database.close();
    },
  };
}

/** A failure to open or prepare the store, as a `StoreError` that says what is wrong and what to do. */
function openFailure(error: unknown, where: { file: string; directory: string }): StoreError {
  const converted = toStoreError(error, { ...where, action: 'open' });
  if (StoreError.isInstance(converted)) return converted;
  const code = (error as NodeJS.ErrnoException).code;
  const advice =
    code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
      ? `make ${where.directory} writable, or use --store-dir with a writable directory`
      : 'fix the cause, or use --store-dir with another directory';
  return new StoreError(`cannot open the store ${where.file}: ${(error as Error).message}: ${advice}`, {
    path: where.file,
    cause: error,
  });
}

/** Tightens a store made by an older version (0755 and 0644); never loosens anything. */
function restrictToOwner(target: string, mode: number): void {
  const current = fs.statSync(target).mode & 0o777;
  if ((current & ~mode) !== 0) fs.chmodSync(target, current & mode);
}
