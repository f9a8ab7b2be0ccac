import { extname } from 'node:path';
import { InputError } from '../spec/errors.js';
import { readCsv } from './read-csv.js';
import { readJsonArray } from './read-json-array.js';
import { readJsonl } from './read-jsonl.js';
import { readParquet } from './read-parquet.js';
import type { SourceRecord } from './source-record.js';

export type DataFormat = 'jsonl' | 'csv' | 'json' | 'parquet';

export interface ReadRecordsOptions {
  /**
   * The file's format.
   * @default from the extension: .jsonl or .ndjson, .csv, .json, .parquet
   */
  format?: DataFormat;
  /** Stops reading; the loop over the rows throws the signal's reason. */
  signal?: AbortSignal;
  /**
   * Yield a row that cannot be read (a malformed line, a wrong field count) with its `error` and go
   * on, instead of failing the read. Errors of the whole file (encoding, no rows) still throw.
   * @default false
   */
  keepBadRows?: boolean;
}

const formatsByExtension: Record<string, DataFormat> = {
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.csv': 'csv',
  '.json': 'json',
  '.parquet': 'parquet',
};

/** What a file of each format holds, as an unknown extension's error says it. */
const formatContents: Record<DataFormat, string> = {
  jsonl: 'one JSON object a line',
  csv: 'comma-separated, with a header',
  json: 'an array of objects',
  parquet: '',
};

/** `.jsonl or .ndjson (one JSON object a line), .csv (...), ... or .parquet`. */
function knownFormats(): string {
  const named = Object.entries(formatContents).map(([format, contents]) => {
    const extensions = Object.keys(formatsByExtension).filter((key) => formatsByExtension[key] === format);
    return `${extensions.join(' or ')}${contents === '' ? '' : ` (${contents})`}`;
  });
  return `${named.slice(0, -1).join(', ')} or ${named.at(-1)}`;
}

type Reader = (file: string, signal?: AbortSignal, keepBadRows?: boolean) => AsyncGenerator<SourceRecord>;

const readers: Record<DataFormat, Reader> = {
  jsonl: readJsonl,
  csv: readCsv,
  json: readJsonArray,
  parquet: readParquet,
};

/**
 * The rows of a data file, one at a time, with memory bounded by one chunk and one row (for
 * Parquet: one row group, or 65,536 rows of it). Bad input fails with an InputError that names the
 * file and, where it applies, the line. Stopping the loop early closes the file.
 */
export function readRecords(file: string, options: ReadRecordsOptions = {}): AsyncIterable<SourceRecord> {
  const format = options.format ?? formatOf(file);
  const reader = readers[format];
  if (reader === undefined) {
    throw new InputError(
      `Expected \`format\` to be one of ${Object.keys(readers).join(', ')}, got \`${String(format)}\``,
      { file },
    );
  }
  return reader(file, options.signal, options.keepBadRows ?? false);
}

function formatOf(file: string): DataFormat {
  const extension = extname(file).toLowerCase();
  const format = formatsByExtension[extension];
  if (format === undefined) {
    throw new InputError(
      `cannot tell the data format from the extension \`${extension || '(none)'}\`; name the file for what it holds: ${knownFormats()}`,
      { file },
    );
  }
  return format;
}
