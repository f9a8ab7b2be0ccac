import { hostname } from 'node:os';
import { isProcessAlive } from '../util/is-process-alive.js';
import { StoreTable } from './store-table.js';

/**
 * Past this age a claim is stale whoever holds it: longer than any call with its retries takes, so
 * a holder whose pid was reused by another program cannot block a key for good.
 */
const claimLifetimeMs = 30 * 60_000;

interface ClaimRow {
  pid: number;
  host: string;
  claimed_at: string;
}

export type ClaimOutcome = { status: 'claimed' } | { status: 'held'; pid: number; host: string };

/**
 * Requests being asked right now, by cache key, across every process sharing the store. A process
 * claims a key before paying for it; another process with the same request waits for the reply
 * instead of paying a second time. A claim dies with its holder: one whose process is gone (same
 * host, pid not alive) or that is older than any call can take is taken over.
 */
export class InFlightClaims extends StoreTable {
  readonly #statements = this.prepareStatements((database) => ({
    select: database.prepare<[string], ClaimRow>('SELECT pid, host, claimed_at FROM claims WHERE key = ?'),
    upsert: database.prepare<[Record<string, unknown>]>(
      'INSERT OR REPLACE INTO claims (key, pid, host, claimed_at) VALUES (@key, @pid, @host, @claimedAt)',
    ),
    delete: database.prepare<[Record<string, unknown>]>(
      'DELETE FROM claims WHERE key = @key AND pid = @pid AND host = @host',
    ),
  }));
  readonly #host = hostname();

  /**
   * Claims `key` for this process unless another live process holds it. This process's own claims
   * do not block it: concurrent identical requests inside one run are rare and were never merged.
   */
  claim(key: string): ClaimOutcome {
    // The write lock first: two processes must not both see the key free and both claim it.
    return this.writeAtomically((): ClaimOutcome => {
      const row = this.#statements.select.get(key);
      if (row !== undefined && !(row.pid === process.pid && row.host === this.#host) && !this.#isStale(row)) {
        return { status: 'held', pid: row.pid, host: row.host };
      }
      this.#statements.upsert.run({ key, pid: process.pid, host: this.#host, claimedAt: this.timestamp() });
      return { status: 'claimed' };
    });
  }

  /** Gives up this process's claim on `key`; another process's claim is left alone. */
  release(key: string): void {
    this.#statements.delete.run({ key, pid: process.pid, host: this.#host });
  }

  #isStale(row: ClaimRow): boolean {
    const age = this.now().getTime() - Date.parse(row.claimed_at);
    if (!(age < claimLifetimeMs)) return true;
    return row.host === this.#host && !isProcessAlive(row.pid);
  }
}
