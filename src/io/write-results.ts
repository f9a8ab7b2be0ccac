import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { extname } from 'node:path';
import { finished } from 'node:stream/promises';
import { BatchPromptError, InputError } from '../spec/errors.js';

/** One line of a results file. */
export interface ResultRow {
  id: string;
  answer: string | number | null;
  confidence: number | null;
  /** Votes per answer across rounds, e.g. `{ yes: 3, no: 1 }`. */
  votes: Record<string, number>;
  status: 'answered' | 'unanswered' | 'failed' | 'invalid';
  error?: string;
  gold?: unknown;
  correct?: boolean;
}

export interface ResultsWriter {
  /** Appends a row; resolves once the file can take more (waits while the disk falls behind). */
  write(row: ResultRow): Promise<void>;
  /** Flushes the rows and gives the file its final name. Calling it again does nothing. */
  close(): Promise<void>;
}

const csvColumns = ['id', 'answer', 'confidence', 'votes', 'status', 'error'] as const;

/**
 * Writes results as JSONL (.jsonl, .ndjson) or CSV (.csv), to `file + '.partial'` until `close`
 * renames it to `file`: a run that crashes leaves a `.partial` file, never a truncated file
 * under the final name.
 */
export function createResultsWriter(file: string): ResultsWriter {
  const extension = extname(file).toLowerCase();
  const format =
    extension === '.csv' ? 'csv' : extension === '.jsonl' || extension === '.ndjson' ? 'jsonl' : undefined;
  if (format === undefined) {
    throw new InputError(
      `Expected the results file to end in .jsonl, .ndjson or .csv, got \`${extension || '(no extension)'}\``,
      { file },
    );
  }
  const partialFile = `${file}.partial`;
  const stream = createWriteStream(partialFile);
  let failure: InputError | undefined;
  // Kept for the writer's whole life: an error between two writes must not crash the process.
  stream.on('error', (error) => {
    failure ??= new InputError(`cannot write results: ${error.message}`, { file: partialFile, cause: error });
  });
  // The first write waits for the file to open, so a bad path fails there and not only at close.
  const opened = once(stream, 'ready');
  opened.catch(() => {}); // the error listener above records the failure
  let closing: Promise<void> | undefined;
  if (format === 'csv') stream.write(`${csvColumns.join(',')}\n`);
  const formatRow = format === 'csv' ? csvLine : jsonLine;

  return {
    async write(row) {
      if (failure) throw failure;
      if (closing) {
        throw new BatchPromptError(`Cannot write to the results file ${file}: the writer is closed`);
      }
      try {
        await opened;
      } catch {
        throw failure;
      }
      if (stream.write(formatRow(row))) return;
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          stream.off('error', onError);
          resolve();
        };
        const onError = () => {
          stream.off('drain', onDrain);
          reject(failure);
        };
        stream.once('drain', onDrain);
        stream.once('error', onError);
      });
    },
    close() {
      closing ??= (async () => {
        if (failure) throw failure;
        stream.end();
        try {
          await finished(stream);
        } catch {
          // The error listener above has recorded the failure.
        }
        if (failure) throw failure;
        await rename(partialFile, file);
      })();
      return closing;
    },
  };
}

function jsonLine(row: ResultRow): string {
  // A fixed key order, so that files diff cleanly; JSON.stringify drops the undefined ones.
  const ordered = {
    id: row.id,
    answer: row.answer,
    confidence: row.confidence,
    votes: row.votes,
    status: row.status,
    error: row.error,
    gold: row.gold,
    correct: row.correct,
  };
  // Parquet INT64 gold labels arrive as bigint, which JSON.stringify refuses.
  return `${JSON.stringify(ordered, (_key, value) => (typeof value === 'bigint' ? value.toString() : value))}\n`;
}

function csvLine(row: ResultRow): string {
  const votes = Object.entries(row.votes)
    .map(([answer, count]) => `${answer}:${count}`)
    .join(';');
  const values = [row.id, row.answer ?? '', row.confidence ?? '', votes, row.status, row.error ?? ''];
  return `${values.map((value) => csvField(String(value))).join(',')}\n`;
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
