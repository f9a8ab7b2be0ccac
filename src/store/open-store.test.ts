import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatchPromptError } from '../spec/errors.js';
import { schemaVersion } from './migrate-schema.js';
import { openStore, type Store } from './open-store.js';

let directory: string;
const opened: Store[] = [];

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'batchprompt-store-'));
});
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  fs.rmSync(directory, { recursive: true, force: true });
});

function open(subdirectory = 'store'): Store {
  const store = openStore(path.join(directory, subdirectory));
  opened.push(store);
  return store;
}

describe('openStore', () => {
  it('creates the directory and a WAL-mode database at the current schema version', () => {
    const store = open('nested/deeper');
    expect(fs.existsSync(path.join(directory, 'nested/deeper/store.sqlite'))).toBe(true);
    expect(store.database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.database.pragma('user_version', { simple: true })).toBe(schemaVersion);
    expect(store.database.pragma('busy_timeout', { simple: true })).toBe(10_000);
  });

  it('keeps the store to its owner: directory 0700, database, WAL and SHM files 0600, old stores tightened', () => {
    const store = open('private');
    store.responses.put(
      'key',
      { text: 'a reply', usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' },
      { modelId: 'sim' },
    );
    const modeOf = (name: string) => fs.statSync(path.join(directory, 'private', name)).mode & 0o777;
    expect(modeOf('.')).toBe(0o700);
    for (const name of ['store.sqlite', 'store.sqlite-wal', 'store.sqlite-shm'])
      expect(modeOf(name)).toBe(0o600);
    store.close();
    fs.chmodSync(path.join(directory, 'private'), 0o755);
    fs.chmodSync(path.join(directory, 'private', 'store.sqlite'), 0o644);
    open('private');
    expect(modeOf('.')).toBe(0o700);
    expect(modeOf('store.sqlite')).toBe(0o600);
  });

  it('lets one process at a time hold a run, naming it, and frees it on release', () => {
    const store = open();
    const lock = store.lockRun('abc123');
    expect(() => store.lockRun('abc123')).toThrow(
      new RegExp(`Run abc123 is in use by process ${process.pid}`),
    );
    expect(() => store.lockRun('other').release()).not.toThrow();
    lock.release();
    store.lockRun('abc123').release();
  });

  it('reopens an existing store without migrating again or losing data', () => {
    const first = open();
    first.responses.put(
      'key',
      { text: 'kept', usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' },
      { modelId: 'sim' },
    );
    first.close();
    expect(open().responses.get('key')?.text).toBe('kept');
  });

  it('gives two handles on one file (as two processes would) each other’s writes', () => {
    const writer = open();
    const reader = open();
    // A read transaction in the reader first, so the later write cannot be served from a stale view.
    expect(reader.responses.get('shared')).toBeUndefined();
    writer.responses.put(
      'shared',
      { text: 'from the writer', usage: { inputTokens: 2, outputTokens: 3 }, finishReason: 'stop' },
      { modelId: 'sim' },
    );
    expect(reader.responses.get('shared')?.text).toBe('from the writer');

    const run = reader.journal.startRun({ fingerprint: 'f', config: {} });
    expect(writer.journal.findLatestRun({ fingerprint: 'f', status: 'running' })?.runId).toBe(run.runId);
  });

  it('refuses a store written by a newer schema version', () => {
    open().close();
    const raw = new Database(path.join(directory, 'store', 'store.sqlite'));
    raw.pragma(`user_version = ${schemaVersion + 1}`);
    raw.close();
    expect(() => open()).toThrow(BatchPromptError);
    expect(() => open()).toThrow(/newer than this batchprompt understands/);
  });

  it('close is safe to call twice', () => {
    const store = open();
    store.close();
    expect(() => store.close()).not.toThrow();
  });
});
