import {
  asyncBufferFromFile,
  cachedAsyncBuffer,
  type FileMetaData,
  parquetMetadataAsync,
  parquetReadObjects,
} from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { InputError } from '../spec/errors.js';
import { checkDataFile } from './check-data-file.js';
import type { SourceRecord } from './source-record.js';

/**
 * The most rows turned into objects at once. A larger row group is read in ranges of this size:
 * hyparquet skips the pages before a range without decompressing them and stops after it, and a
 * per-group cache keeps the group's column chunks from being fetched from disk once per range.
 */
const maxRowsPerRead = 131_072;

/** Rows of a Parquet file, a row group (or a range of one) at a time; `line` is the 1-based row number. */
export async function* readParquet(file: string, signal?: AbortSignal): AsyncGenerator<SourceRecord> {
  signal?.throwIfAborted();
  await checkDataFile(file);
  const fileBuffer = await asyncBufferFromFile(file);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(fileBuffer);
  } catch (error) {
    throw new InputError(`not a readable Parquet file: ${(error as Error).message}`, { file, cause: error });
  }
  if (Number(metadata.num_rows) === 0) throw new InputError('no rows: the Parquet file has 0 rows', { file });

  let groupStart = 0;
  for (const rowGroup of metadata.row_groups) {
    const groupEnd = groupStart + Number(rowGroup.num_rows);
    // A fresh cache per group: memory holds one group's compressed bytes, never the whole file.
    const groupBuffer = cachedAsyncBuffer(fileBuffer);
    for (let rowStart = groupStart; rowStart < groupEnd; rowStart += maxRowsPerRead) {
      signal?.throwIfAborted();
      const rowEnd = Math.min(rowStart + maxRowsPerRead, groupEnd);
      let rows: Record<string, unknown>[];
      try {
        rows = await parquetReadObjects({ file: groupBuffer, metadata, rowStart, rowEnd, compressors });
      } catch (error) {
        throw new InputError(`cannot read rows ${rowStart + 1} to ${rowEnd}: ${(error as Error).message}`, {
          file,
          line: rowStart + 1,
          cause: error,
        });
      }
      for (const [offset, record] of rows.entries()) {
        signal?.throwIfAborted();
        yield { line: rowStart + offset + 1, record };
      }
    }
    groupStart = groupEnd;
  }
}
