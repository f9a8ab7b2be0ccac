import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from './open-store.js';

let directory: string;
const opened: Store[] = [];

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'batchprompt-claims-'));
});
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  fs.rmSync(directory, { recursive: true, force: true });
});

function open(now?: () => Date): Store {
  const store = openStore(directory, now ? { now } : {});
  opened.push(store);
  return store;
}

/** Plants a claim as another process would have made it. */
function plant(store: Store, key: string, pid: number, claimedAt: string, host = os.hostname()): void {
  store.database
    .prepare('INSERT OR REPLACE INTO claims (key, pid, host, claimed_at) VALUES (?, ?, ?, ?)')
    .run(key, pid, host, claimedAt);
}

describe('InFlightClaims', () => {
  it('lets this process claim a free key, and claim it again while it holds it', () => {
    const store = open();
    expect(store.claims.claim('k')).toEqual({ status: 'claimed' });
    expect(store.claims.claim('k')).toEqual({ status: 'claimed' });
  });

  it('refuses a key another live process holds, naming it, and frees it when that process releases', () => {
    const store = open();
    // The parent of this process is alive for as long as the test runs.
    plant(store, 'k', process.ppid, new Date().toISOString());
    expect(store.claims.claim('k')).toEqual({ status: 'held', pid: process.ppid, host: os.hostname() });
    // Releasing removes only this process's own claims.
    store.claims.release('k');
    expect(store.claims.claim('k')).toMatchObject({ status: 'held' });
    store.database.prepare('DELETE FROM claims WHERE key = ?').run('k');
    expect(store.claims.claim('k')).toEqual({ status: 'claimed' });
  });

  it('takes over a claim whose process is gone, and one older than any call can take', () => {
    const store = open();
    plant(store, 'dead', 4_194_305, new Date().toISOString());
    expect(store.claims.claim('dead')).toEqual({ status: 'claimed' });
    plant(store, 'old', process.ppid, new Date(Date.now() - 31 * 60_000).toISOString());
    expect(store.claims.claim('old')).toEqual({ status: 'claimed' });
  });

  it('respects a recent claim of a process on another host, whose pid means nothing here', () => {
    const store = open();
    // The same store on a shared disk: no pid of that host can be looked up on this one.
    plant(store, 'remote', 4_194_305, new Date().toISOString(), 'another-host.invalid');
    expect(store.claims.claim('remote')).toEqual({
      status: 'held',
      pid: 4_194_305,
      host: 'another-host.invalid',
    });
    plant(
      store,
      'remote-old',
      4_194_305,
      new Date(Date.now() - 31 * 60_000).toISOString(),
      'another-host.invalid',
    );
    expect(store.claims.claim('remote-old')).toEqual({ status: 'claimed' });
  });
});
