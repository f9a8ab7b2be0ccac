import type { InputError } from '../spec/errors.js';

/** One row of a data file, before field mapping. */
export interface SourceRecord {
  /**
   * Where the row is, 1-based: the line for JSONL and CSV (the CSV header is line 1), the element
   * index for a JSON array, the row number for Parquet.
   */
  line: number;
  record: Record<string, unknown>;
  /**
   * Set instead of failing the read when the reader was asked to keep bad rows: this row could not
   * be read (malformed line, wrong field count), and `record` is empty.
   */
  error?: InputError;
}
