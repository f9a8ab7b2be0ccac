import { InputError } from '../spec/errors.js';
import { decodeUtf8Chunks } from './decode-utf8-chunks.js';
import { parseJsonObject } from './parse-json-object.js';
import { readFileChunks } from './read-file-chunks.js';
import type { SourceRecord } from './source-record.js';

/** Rows of a JSON Lines file, one object per line; blank lines are skipped. */
export async function* readJsonl(
  file: string,
  signal?: AbortSignal,
  keepBadRows = false,
): AsyncGenerator<SourceRecord> {
  let line = 0;
  let rows = 0;
  // The pieces of the line that began in an earlier chunk and has not ended yet. Each chunk is
  // searched for newlines once, and the pieces are joined once: a 50 MB line costs linear time,
  // where searching and extending one growing string costs quadratic.
  let pendingPieces: string[] = [];
  for await (const text of decodeUtf8Chunks(readFileChunks(file, signal), file)) {
    let lineStart = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', lineStart)) {
      line++;
      const tail = text.slice(lineStart, newline);
      const lineText = pendingPieces.length === 0 ? tail : pendingPieces.join('') + tail;
      pendingPieces = [];
      lineStart = newline + 1;
      if (isBlank(lineText)) continue;
      signal?.throwIfAborted();
      rows++;
      yield readLine(lineText, file, line, keepBadRows);
    }
    if (lineStart < text.length) pendingPieces.push(text.slice(lineStart));
  }
  // The last line may have no newline after it.
  const pending = pendingPieces.join('');
  if (!isBlank(pending)) {
    line++;
    rows++;
    yield readLine(pending, file, line, keepBadRows);
  }
  if (rows === 0) {
    throw new InputError(
      line === 0 ? 'no rows: the file is empty' : 'no rows: the file has only blank lines',
      {
        file,
      },
    );
  }
}

function readLine(text: string, file: string, line: number, keepBadRows: boolean): SourceRecord {
  try {
    return { line, record: parseJsonObject(text, { file, line }) };
  } catch (error) {
    if (!keepBadRows || !InputError.isInstance(error)) throw error;
    return { line, record: {}, error };
  }
}

function isBlank(text: string): boolean {
  return text.trim().length === 0;
}
