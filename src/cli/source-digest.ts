import { createHash } from 'node:crypto';
import type { SourceEntry } from './data-source.js';

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
  return {
    add(entry) {
      rows += 1;
      const described =
        entry.kind === 'item'
          ? ['item', entry.row, entry.item.id, entry.item.fields, String(entry.item.gold ?? '')]
          : ['invalid', entry.invalid.row, entry.invalid.id, entry.invalid.error.message];
      hash.update(`${JSON.stringify(described)}\n`);
    },
    get rows() {
      return rows;
    },
    digest: () => hash.copy().digest('hex'),
  };
}
