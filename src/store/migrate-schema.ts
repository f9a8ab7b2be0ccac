import type Database from 'better-sqlite3';
import { BatchPromptError } from '../spec/errors.js';
import { type ChecksummedReply, replyChecksum } from './reply-checksum.js';

type Migration = string | ((database: Database.Database) => void);

/**
 * Schema steps in order; step N brings `user_version` from N to N + 1. Append, never edit: stores
 * already on disk have run the old steps.
 */
const migrations: readonly Migration[] = [
  `
  CREATE TABLE responses (
    key TEXT PRIMARY KEY,
    model_id TEXT NOT NULL,
    text TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cached_input_tokens INTEGER,
    estimated INTEGER,
    finish_reason TEXT NOT NULL,
    created_at TEXT NOT NULL
  );

  CREATE TABLE runs (
    run_id TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'aborted')),
    config TEXT NOT NULL,
    summary TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX runs_by_fingerprint ON runs (fingerprint, created_at);

  CREATE TABLE calls (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('started', 'finished', 'failed', 'interrupted')),
    cached INTEGER NOT NULL DEFAULT 0,
    input_tokens INTEGER,
    output_tokens INTEGER,
    started_at TEXT NOT NULL,
    finished_at TEXT
  );
  CREATE INDEX calls_by_run_key ON calls (run_id, key, status);

  CREATE TABLE results (
    run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    item_index INTEGER NOT NULL,
    item_id TEXT NOT NULL,
    result TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (run_id, item_index)
  ) WITHOUT ROWID;
  `,
  // A checksum per cached reply: SQLite's own checks cover its pages, not a byte changed inside a
  // value, and a changed reply would be replayed as the model's answer. Replies already stored get
  // the checksum of what they hold now.
  (database) => {
    database.exec('ALTER TABLE responses ADD COLUMN checksum TEXT');
    const rows = database
      .prepare(
        'SELECT key, text, input_tokens, output_tokens, cached_input_tokens, estimated, finish_reason FROM responses',
      )
      .all() as ChecksummedReply[];
    const update = database.prepare('UPDATE responses SET checksum = ? WHERE key = ?');
    for (const row of rows) update.run(replyChecksum(row), row.key);
  },
  // Requests in flight, by cache key, so that two processes on one store never pay twice for the
  // same request (see InFlightClaims).
  `
  CREATE TABLE claims (
    key TEXT PRIMARY KEY,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    claimed_at TEXT NOT NULL
  );
  `,
  // Provider batch jobs (OpenAI Batch, Anthropic Message Batches). A job row is written before the
  // job is submitted, so a process killed mid-submission finds it again; its requests are kept by
  // custom id (a hash of the request), with the reply once the provider returned one.
  `
  CREATE TABLE batch_jobs (
    job_id TEXT PRIMARY KEY,
    run_id TEXT REFERENCES runs (run_id) ON DELETE SET NULL,
    provider TEXT NOT NULL,
    model_id TEXT NOT NULL,
    base_url TEXT,
    provider_job_id TEXT,
    input_file_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('submitting', 'submitted', 'ended', 'failed', 'abandoned')),
    provider_status TEXT,
    request_count INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX batch_jobs_by_run ON batch_jobs (run_id, status);

  CREATE TABLE batch_requests (
    job_id TEXT NOT NULL REFERENCES batch_jobs (job_id) ON DELETE CASCADE,
    custom_id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'succeeded', 'errored', 'expired', 'canceled')),
    reply TEXT,
    error TEXT,
    PRIMARY KEY (job_id, custom_id)
  ) WITHOUT ROWID;
  CREATE INDEX batch_requests_by_custom_id ON batch_requests (custom_id, state);
  `,
];

/** The schema version this code writes. */
export const schemaVersion = migrations.length;

/**
 * Brings the store's schema up to `schemaVersion`, tracked in SQLite's `user_version`. Runs inside
 * one IMMEDIATE transaction: two processes opening a fresh store at once take turns, and the second
 * sees the first's version and does nothing.
 */
export function migrateSchema(database: Database.Database, file: string): void {
  const migrate = database.transaction(() => {
    const current = database.pragma('user_version', { simple: true }) as number;
    if (current > schemaVersion) {
      throw new BatchPromptError(
        `The store ${file} has schema version ${current}, newer than this batchprompt understands (${schemaVersion}); upgrade batchprompt or use another --store directory`,
      );
    }
    for (let version = current; version < schemaVersion; version += 1) {
      const migration = migrations[version]!;
      if (typeof migration === 'string') database.exec(migration);
      else migration(database);
    }
    if (current !== schemaVersion) database.pragma(`user_version = ${schemaVersion}`);
  });
  migrate.immediate();
}
