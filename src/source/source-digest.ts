import { createHash } from 'node:crypto';
import type { SourceEntry } from './read-source.js';

export interface SourceDigest {
  add(entry: SourceEntry): void;
  /** Rows added so far. */
  readonly rows: number;
  /** sha256 (hex) of every row added so far, in order. */
  digest(): string;
}

/**
 * A running digest of the rows a pass over the data file read: ids, field values, gold labels and
 * the errors of invalid rows, in order. Two passes over an unchanged file give the same digest; a
 * file cut, extended or edited between them does not.
 */
export function createSourceDigest(): SourceDigest {
  const hash = createHash('sha256');
  let rows = 0;
  // Rows are hashed in chunks: one hash update per row costs more than the row's JSON.
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    hash.update(pending.join(''));
    pending = [];
  };
  return {
    add(entry) {
      rows += 1;
      // Joined with a control character rather than JSON-encoded: on a million rows the encoding
      // cost more than the hash, and a digest of what changed needs no unambiguous format.
      pending.push(
        entry.kind === 'item'
          ? `i\u0001${entry.row}\u0001${entry.item.id}\u0001${Object.values(entry.item.fields).join('\u0001')}\u0001${String(entry.item.gold ?? '')}\n`
          : `x\u0001${entry.invalid.row}\u0001${entry.invalid.id}\u0001${entry.invalid.error.message}\n`,
      );
      if (pending.length >= 4096) flush();
    },
    get rows() {
      return rows;
    },
    digest: () => {
      flush();
      return hash.copy().digest('hex');
    },
  };
}
