import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { InputError } from '../spec/errors.js';
import { decodeUtf8Chunks } from './decode-utf8-chunks.js';
import { readFileChunks } from './read-file-chunks.js';
import type { SourceRecord } from './source-record.js';

interface ParsedRow {
  record: string[];
  raw: string;
}

const lineBreak = /\r\n?|\n/g;
const leadingBlankLines = /^(?:\r\n?|\n)+/;

/**
 * Rows of a CSV file with a header line. Every row must have exactly as many fields as the header;
 * `line` is the line where the row starts (the header is line 1).
 */
export async function* readCsv(
  file: string,
  signal?: AbortSignal,
  keepBadRows = false,
): AsyncGenerator<SourceRecord> {
  // Field counts are checked below, so that the error can name the line and the missing columns.
  const parser = parse({ bom: true, skip_empty_lines: true, relax_column_count: true, raw: true });
  // highWaterMark 1: read ahead one chunk of text, not sixteen.
  const source = Readable.from(decodeUtf8Chunks(readFileChunks(file, signal), file), { highWaterMark: 1 });
  // pipeline destroys the parser with the source's error, so a read or UTF-8 error reaches the
  // loop below; when the loop stops early, the parser closes and the file with it.
  pipeline(source, parser).catch(() => {});

  let header: string[] | undefined;
  // Lines that csv-parse has consumed so far; its `info.lines` is off by one around skipped blank
  // lines and quoted line breaks, so we count the line breaks of each raw record ourselves.
  let linesConsumed = 0;
  let rows = 0;
  try {
    for await (const row of parser as AsyncIterable<ParsedRow>) {
      signal?.throwIfAborted();
      const blankLines = leadingBlankLines.exec(row.raw)?.[0].match(lineBreak)?.length ?? 0;
      const line = linesConsumed + blankLines + 1;
      linesConsumed += row.raw.match(lineBreak)?.length ?? 0;
      if (header === undefined) {
        header = checkHeader(row.record, file, line);
        continue;
      }
      const values = row.record;
      if (values.length !== header.length) {
        const error = fieldCountError(values, header, file, line);
        if (!keepBadRows) throw error;
        rows++;
        yield { line, record: {}, error };
        continue;
      }
      if (values.at(-1)?.endsWith('\r')) {
        throw new InputError(
          'the row ends with a stray carriage return: the file mixes \\r\\n and \\n line endings; save it with one kind',
          { file, line },
        );
      }
      rows++;
      yield { line, record: Object.fromEntries(header.map((column, index) => [column, values[index]])) };
    }
  } catch (error) {
    if (InputError.isInstance(error) || signal?.aborted) throw error;
    const code = (error as { code?: unknown }).code;
    const csvLine = (error as { lines?: unknown }).lines;
    if ((typeof code === 'string' && code.startsWith('CSV_')) || code === 'INVALID_OPENING_QUOTE') {
      throw new InputError(`invalid CSV: ${(error as Error).message}`, {
        file,
        line: typeof csvLine === 'number' ? csvLine : undefined,
        cause: error,
      });
    }
    throw error;
  }
  if (header === undefined) throw new InputError('no rows: the file is empty', { file });
  if (rows === 0) throw new InputError('no rows: the file has a header line and no data rows', { file });
}

function checkHeader(names: string[], file: string, line: number): string[] {
  const seen = new Set<string>();
  names.forEach((name, index) => {
    if (name.trim() === '') {
      throw new InputError(`column ${index + 1} of the header has no name`, { file, line });
    }
    if (seen.has(name))
      throw new InputError(`the header names column \`${name}\` twice`, { file, line, field: name });
    seen.add(name);
  });
  return names;
}

function fieldCountError(values: string[], header: string[], file: string, line: number): InputError {
  if (values.length < header.length) {
    const missing = header.slice(values.length);
    return new InputError(
      `the row has ${values.length} fields, the header has ${header.length}: no value for ${missing.map((name) => `\`${name}\``).join(', ')}`,
      { file, line, field: missing[0] },
    );
  }
  return new InputError(
    `the row has ${values.length} fields, the header has ${header.length} (${header.join(', ')}); quote values that contain commas`,
    { file, line },
  );
}
