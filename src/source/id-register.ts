import { HashTable64, hashText64 } from '../util/hash-table-64.js';

/** A row of the file with an id, as read again. */
export interface RereadId {
  /** 0-based place among all rows of the file. */
  row: number;
  line: number;
  id: string;
}

export interface IdRegisterOptions {
  /**
   * The rows with an id among the first `rows` rows of the file, read again, in order: those the
   * pass reading the file records (rows it skips, cannot read or cannot map are left out).
   */
  reread: (rows: number) => AsyncIterable<RereadId>;
  /**
   * Hash matches to check by reading the file again before the register keeps every id instead.
   * @default 8
   */
  rereadLimit?: number;
  /** @default hashText64 */
  hash?: (id: string) => [high: number, low: number];
}

export interface IdRegister {
  /**
   * The line of the first row recorded with this id, if there was one; else records this row as
   * the id's first and returns undefined.
   */
  firstLineOf(id: string, row: number, line: number): Promise<number | undefined>;
  /** Whether the register keeps every id itself (after more hash matches than `rereadLimit`). */
  readonly keepsIds: boolean;
}

/**
 * The ids a pass over a data file has seen, to refuse a second row with one of them, in a few
 * bytes per row however long the file and its ids: a 64-bit hash of each id with the place of its
 * first row (`HashTable64`, 16 to 32 bytes a row), not the ids.
 *
 * A hash is not the id, so a match is checked before it is called a duplicate: the register
 * reads that first row again from the file and compares the ids. Ids seen twice are then kept
 * as text, with their first line, so a third row with one is known at once, and so are the rare
 * ids whose hash another id has. A valid file thus costs no reread; a file with duplicate ids
 * costs one reread (up to that first row) per duplicated id. After `rereadLimit` of them (a file
 * appended to itself, say), rereading would take longer than keeping every id: the register
 * reads the rows so far once more and keeps every id with its first line from then on, as a Map.
 */
export function createIdRegister(options: IdRegisterOptions): IdRegister {
  const rereadLimit = options.rereadLimit ?? 8;
  const hash = options.hash ?? hashText64;
  let firstRows: HashTable64 | undefined = new HashTable64();
  /** Ids whose first line a reread found: duplicated ids, and ids whose hash is another id's. */
  let knownIds = new Map<string, number>();
  /** Every id, once the register keeps them all. */
  let allIds: Map<string, number> | undefined;
  let rereads = 0;

  async function keepEveryId(beforeRow: number): Promise<Map<string, number>> {
    const ids = new Map<string, number>();
    for await (const entry of options.reread(beforeRow))
      if (!ids.has(entry.id)) ids.set(entry.id, entry.line);
    firstRows = undefined;
    knownIds = new Map();
    return ids;
  }

  async function firstLineOf(id: string, row: number, line: number): Promise<number | undefined> {
    if (allIds === undefined && firstRows !== undefined) {
      const known = knownIds.get(id);
      if (known !== undefined) return known;
      const [high, low] = hash(id);
      const firstRow = firstRows.get(high, low);
      if (firstRow === undefined) {
        firstRows.set(high, low, row);
        return undefined;
      }
      if (rereads < rereadLimit) {
        rereads += 1;
        let first: RereadId | undefined;
        for await (const entry of options.reread(firstRow + 1)) {
          if (entry.row !== firstRow) continue;
          first = entry;
          break;
        }
        if (first !== undefined && first.id === id) {
          knownIds.set(id, first.line);
          return first.line;
        }
        // Another id with the same hash (or a file changed under the pass): this row is the id's first.
        knownIds.set(id, line);
        return undefined;
      }
      allIds = await keepEveryId(row);
    }
    const ids = allIds!;
    const first = ids.get(id);
    if (first === undefined) ids.set(id, line);
    return first;
  }

  return {
    firstLineOf,
    get keepsIds() {
      return allIds !== undefined;
    },
  };
}
