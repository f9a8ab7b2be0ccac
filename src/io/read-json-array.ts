import { InputError } from '../spec/errors.js';
import { decodeUtf8Chunks } from './decode-utf8-chunks.js';
import { parseJsonObject } from './parse-json-object.js';
import { readFileChunks } from './read-file-chunks.js';
import type { SourceRecord } from './source-record.js';
import { splitJsonArray } from './split-json-array.js';

/** Rows of a JSON file holding one array of objects; `line` is the element's 1-based index. */
export async function* readJsonArray(
  file: string,
  signal?: AbortSignal,
  keepBadRows = false,
): AsyncGenerator<SourceRecord> {
  let rows = 0;
  for await (const element of splitJsonArray(decodeUtf8Chunks(readFileChunks(file, signal), file), file)) {
    signal?.throwIfAborted();
    rows++;
    try {
      const record = parseJsonObject(element.text, {
        file,
        line: element.index,
        // `line` is the element index here; the file line helps find the element in an editor.
        note: `array element ${element.index}, from file line ${element.fileLine}`,
      });
      yield { line: element.index, record };
    } catch (error) {
      if (!keepBadRows || !InputError.isInstance(error)) throw error;
      yield { line: element.index, record: {}, error };
    }
  }
  if (rows === 0) throw new InputError('no rows: the array is empty', { file });
}
