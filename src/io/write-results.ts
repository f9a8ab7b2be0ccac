import { once } from 'node:events';
import { createWriteStream, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { finished } from 'node:stream/promises';
import { BatchPromptError, InputError } from '../spec/errors.js';
import { claimResultsFile, type ResultsFileClaim } from './claim-results-file.js';
import { parquetColumns } from './parquet-columns.js';

/** One line of a results file. */
export interface ResultRow {
  id: string;
  answer: string | number | null;
  confidence: number | null;
  /** False when the item's votes never settled (see `ItemResult.settled`); absent for invalid rows. */
  settled?: boolean;
  /** The winner's lead over the runner-up, as a share of all vote weight. */
  margin?: number;
  /** Votes per answer across rounds, e.g. `{ yes: 3, no: 1 }`. */
  votes: Record<string, number>;
  status: 'answered' | 'unanswered' | 'failed' | 'invalid';
  error?: string;
  gold?: unknown;
  correct?: boolean;
  /** The row as it was read from the data file; written ahead of the answer columns. */
  input?: Record<string, unknown>;
  /** A task with several outputs: each output's answer (a list for a multi-choice one), by name. */
  outputs?: Record<string, OutputCells>;
}

/** One output's cells of a results row. */
export interface OutputCells {
  answer: string | number | readonly string[] | null;
  confidence: number | null;
  settled: boolean;
  gold?: unknown;
  correct?: boolean;
}

/**
 * Which columns a results file has. Without a layout (or with `inputColumns` left out) it holds
 * the answer columns only, headed by `id`.
 */
export interface ResultsLayout {
  /** The data file's columns, in order: every row is written with these first. */
  inputColumns?: readonly string[];
  /**
   * The input column holding the row ids, if any: no separate `id` column is added, and a row that
   * could not be read (so has no input) still gets its id there.
   */
  idColumn?: string;
  /** Gold labels were given: CSV and Parquet files get `gold` and `correct` columns. */
  labelled?: boolean;
  /**
   * A task with several outputs, their names in order: each output gets columns of its own
   * (`<output>`, `<output>_confidence`, `<output>_settled`, and with gold `<output>_gold`,
   * `<output>_correct`) in place of `answer` and `votes`; the row's `confidence`, `settled` and
   * `correct` are its weakest output's.
   */
  outputs?: readonly string[];
}

export interface ResultsWriter {
  /** Appends a row; resolves once the file can take more (waits while the disk falls behind). */
  write(row: ResultRow): Promise<void>;
  /** Flushes the rows and gives the file its final name. Calling it again does nothing. */
  close(): Promise<void>;
  /**
   * Gives up the file without a final name: the rows written stay in `.partial` (removed with
   * `discard`, and when it holds no row: such a file would only lie beside the user's data), and
   * the lock is released for the next run. Resolves once the file is closed, so nothing is created
   * or written after it. Does nothing after `close`.
   */
  release(options?: { discard?: boolean }): Promise<void>;
  /** Rows written so far. */
  readonly rowCount: number;
}

export type ResultsFormat = 'jsonl' | 'csv' | 'parquet';

/** The answer columns, in the order they follow the input columns. */
const answerColumns = ['answer', 'confidence', 'settled', 'margin', 'votes', 'status', 'error'] as const;
const goldColumns = ['gold', 'correct'] as const;
type AnswerColumn = (typeof answerColumns)[number] | (typeof goldColumns)[number];

/** The results format for a file name, or an InputError naming the extensions there are. */
export function resultsFormatOf(file: string): ResultsFormat {
  const extension = extname(file).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.jsonl' || extension === '.ndjson') return 'jsonl';
  if (extension === '.parquet') return 'parquet';
  throw new InputError(
    `Expected the results file to end in .jsonl, .ndjson, .csv or .parquet, got \`${extension || '(no extension)'}\``,
    { file },
  );
}

/**
 * Writes results as JSONL (.jsonl, .ndjson), CSV (.csv) or Parquet (.parquet), to
 * `file + '.partial'` until `close` renames it to `file`: a run that crashes leaves a `.partial`
 * file, never a truncated file under the final name. A Parquet file is written whole at `close`
 * (its columns are typed from all the rows), so its rows are held in memory until then.
 *
 * One run at a time per results file (see `claimResultsFile`): `<file>.lock` holds the writer's
 * pid, the `.partial` file is created exclusively, and `close` refuses to replace a `file` that
 * another run produced meanwhile. The directory, the extension and the lock are checked here,
 * synchronously, before anything is paid for.
 */
export function createResultsWriter(file: string, layout: ResultsLayout = {}): ResultsWriter {
  const format = resultsFormatOf(file);
  // JSONL shows gold and correct on the rows that have them; the other formats need fixed columns.
  const columns = resultColumns(layout, format === 'jsonl' || layout.labelled === true);
  const claim = claimResultsFile(file);
  const partialFile = claim.partialFile;
  if (format === 'parquet') return parquetResultsWriter(file, claim, columns);

  let stream: ReturnType<typeof createWriteStream>;
  try {
    stream = createWriteStream(partialFile, { flags: 'wx' });
  } catch (error) {
    claim.release();
    throw error;
  }
  let failure: InputError | undefined;
  // Kept for the writer's whole life: an error between two writes must not crash the process.
  stream.on('error', (error) => {
    failure ??= new InputError(`cannot write results: ${error.message}`, { file: partialFile, cause: error });
  });
  // The first write waits for the file to open, so a bad path fails there and not only at close.
  const opened = once(stream, 'ready');
  opened.catch(() => {}); // the error listener above records the failure
  let closing: Promise<void> | undefined;
  let released = false;
  let rowCount = 0;
  if (format === 'csv') stream.write(`${columns.map((column) => csvField(column.name)).join(',')}\n`);
  const formatRow =
    format === 'csv' ? (row: ResultRow) => csvLine(row, columns) : (row: ResultRow) => jsonLine(row, columns);

  return {
    async write(row) {
      if (failure) throw failure;
      if (closing || released) {
        throw new BatchPromptError(`Cannot write to the results file ${file}: the writer is closed`);
      }
      try {
        await opened;
      } catch {
        throw failure;
      }
      rowCount += 1;
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
      closing ??= finishClaim(claim, async () => {
        if (failure) throw failure;
        stream.end();
        try {
          await finished(stream);
        } catch {
          // The error listener above has recorded the failure.
        }
        if (failure) throw failure;
      });
      return closing;
    },
    async release(options) {
      if (closing || released) return;
      released = true;
      // The file may still be opening: wait for the stream to close, or a `.partial` removed
      // now would be created afterwards, beside the user's data.
      stream.end();
      try {
        await finished(stream);
      } catch {
        // Nothing written is worth more than the lock: the error listener has recorded it.
      }
      if (options?.discard === true || rowCount === 0) rmSync(partialFile, { force: true });
      claim.release();
    },
    get rowCount() {
      return rowCount;
    },
  };
}

/** One column of a results file: its name there and where its value comes from. */
interface ResultColumn {
  name: string;
  /** `isId`: the ids come from this input column, so a row without input shows its id there. */
  source:
    | { input: string; isId?: boolean }
    | { answer: AnswerColumn }
    | { id: true }
    | { output: string; cell: keyof OutputCells };
}

/** The answer columns of a layout, each named as it would be without input columns beside it. */
function answerColumnsOf(layout: ResultsLayout, withGold: boolean): ResultColumn[] {
  const answers: AnswerColumn[] = [...answerColumns, ...(withGold ? goldColumns : [])];
  if (layout.outputs === undefined) return answers.map((answer) => ({ name: answer, source: { answer } }));
  const cells: (keyof OutputCells)[] = [
    'answer',
    'confidence',
    'settled',
    ...(withGold ? (['gold', 'correct'] as const) : []),
  ];
  const perOutput = layout.outputs.flatMap((output) =>
    cells.map((cell) => ({
      name: cell === 'answer' ? output : `${output}_${cell}`,
      source: { output, cell },
    })),
  );
  const row = answers.filter((answer) => answer !== 'answer' && answer !== 'votes' && answer !== 'gold');
  return [...perOutput, ...row.map((answer) => ({ name: answer, source: { answer } }))];
}

function resultColumns(layout: ResultsLayout, withGold: boolean): ResultColumn[] {
  const answers = answerColumnsOf(layout, withGold);
  if (layout.inputColumns === undefined) return [{ name: 'id', source: { id: true } }, ...answers];
  const taken = new Set(layout.inputColumns);
  // An input column keeps its name; an answer column that would clash with one is prefixed.
  const free = (name: string) => (taken.has(name) ? `batchprompt_${name}` : name);
  return [
    ...(layout.idColumn === undefined ? [{ name: free('id'), source: { id: true } as const }] : []),
    ...layout.inputColumns.map((input) => ({
      name: input,
      source: { input, isId: input === layout.idColumn },
    })),
    ...answers.map((column) => ({ ...column, name: free(column.name) })),
  ];
}

function cellValue(row: ResultRow, column: ResultColumn): unknown {
  const { source } = column;
  if ('id' in source) return row.id;
  if ('input' in source) {
    if (row.input !== undefined && Object.hasOwn(row.input, source.input)) return row.input[source.input];
    return source.isId ? row.id : undefined;
  }
  if ('output' in source) return row.outputs?.[source.output]?.[source.cell];
  return row[source.answer];
}

function isVotes(column: ResultColumn): boolean {
  return 'answer' in column.source && column.source.answer === 'votes';
}

/** JSON.stringify with bigint as text: Parquet INT64 values arrive as bigint, which it refuses. */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner) => (typeof inner === 'bigint' ? inner.toString() : inner));
}

function jsonLine(row: ResultRow, columns: readonly ResultColumn[]): string {
  // A fixed key order, so that files diff cleanly; JSON.stringify drops the undefined ones.
  // Object.fromEntries, not assignment, so that a column named `__proto__` stays an ordinary key.
  const ordered = Object.fromEntries(columns.map((column) => [column.name, cellValue(row, column)]));
  return `${toJson(ordered)}\n`;
}

function csvLine(row: ResultRow, columns: readonly ResultColumn[]): string {
  return `${columns.map((column) => csvField(csvText(cellValue(row, column)))).join(',')}\n`;
}

/** A cell's text: empty for no value, JSON for objects (so votes stay readable whatever the labels hold). */
function csvText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return value instanceof Date ? value.toISOString() : toJson(value);
  return String(value);
}

/**
 * RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. A field that
 * a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage
 * return) gets a leading `'`, which spreadsheets show as text; plain numbers such as `-1.5` are
 * left alone. Ids, input cells and error texts come from data and servers, so they are not trusted.
 */
function csvField(value: string): string {
  const safe =
    /^[=+\-@\t\r]/.test(value) && !/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * Ends a writer once: `write` puts the last rows on disk, then the claim moves `.partial` to the
 * results file; when writing fails, the claim is given back and the `.partial` stays.
 */
async function finishClaim(claim: ResultsFileClaim, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    claim.release();
    throw error;
  }
  await claim.finish();
}

function parquetResultsWriter(
  file: string,
  claim: ResultsFileClaim,
  columns: readonly ResultColumn[],
): ResultsWriter {
  const partialFile = claim.partialFile;
  const rows: unknown[][] = [];
  let closing: Promise<void> | undefined;
  let released = false;
  const writeParquet = async () => {
    const bytes = parquetColumns(
      columns.map((column) => column.name),
      rows,
    );
    try {
      await writeFile(partialFile, bytes, { flag: 'wx' });
    } catch (error) {
      throw new InputError(`cannot write results: ${(error as Error).message}`, {
        file: partialFile,
        cause: error,
      });
    }
  };
  return {
    async write(row) {
      if (closing || released) {
        throw new BatchPromptError(`Cannot write to the results file ${file}: the writer is closed`);
      }
      rows.push(
        columns.map((column) => {
          const value = cellValue(row, column);
          // Votes are a JSON cell, as in CSV, so that any label survives.
          return isVotes(column) ? toJson(value) : value;
        }),
      );
    },
    close() {
      closing ??= finishClaim(claim, writeParquet);
      return closing;
    },
    async release(options) {
      if (closing || released) return;
      released = true;
      // Nothing is on disk before `close`: the rows held are written to `.partial` now, so that
      // no answer given is lost.
      try {
        if (options?.discard !== true && rows.length > 0) await writeParquet();
      } catch {
        // As for the other formats: the lock is given back whatever the disk says.
      } finally {
        claim.release();
      }
    },
    get rowCount() {
      return rows.length;
    },
  };
}
