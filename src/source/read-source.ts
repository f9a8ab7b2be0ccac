import { statSync } from 'node:fs';
import { isWithinTokenLimit } from 'gpt-tokenizer/encoding/o200k_base';
import type { Item } from '../engine/types.js';
import type { FieldMapping } from '../io/field-mapping.js';
import { mapRecord } from '../io/map-record.js';
import { readRecords } from '../io/read-records.js';
import { validateMapping } from '../io/validate-mapping.js';
import { checkGoldAnswer } from '../parse/check-gold-answer.js';
import { renderItem } from '../prompt/render-batch.js';
import { asPlainText } from '../spec/count-tokens.js';
import { InputError } from '../spec/errors.js';
import type { Task } from '../task/task-schema.js';
import { createIdRegister, type RereadId } from './id-register.js';
import { sampleItems } from './load-items.js';
import { checkOutputGoldColumns, outputGoldColumns, readOutputsGold } from './read-outputs-gold.js';
import { createSourceDigest } from './source-digest.js';

export interface DataSourceOptions {
  file: string;
  task: Task;
  /** @default the `id` column where there is one, else the line number */
  idField?: string;
  labelField?: string;
  /** Without `labelField`: the gold column taken when the first row has it (else no gold answers). */
  labelFieldIfPresent?: string;
  fieldMap?: Record<string, string>;
  /** An item above this many tokens is invalid: it could not be sent in any batch. */
  maxItemTokens: number;
  /** Only the rows for which this holds (by 0-based place among all rows); the rest are skipped. */
  rows?: (row: number) => boolean;
}

/** A row that cannot become an item, kept in the results with its error. */
export interface InvalidRow {
  /** 0-based place among all rows of the file. */
  row: number;
  line: number;
  id: string;
  error: InputError;
  /** The row as read, when it could be read at all. */
  record?: Record<string, unknown>;
}

export type SourceEntry =
  | { kind: 'item'; row: number; line: number; item: Item; record: Record<string, unknown> }
  | { kind: 'invalid'; invalid: InvalidRow };

export function mappingFor(options: DataSourceOptions): FieldMapping {
  return {
    fields: options.task.fields.map((field) => field.name),
    ...(options.idField === undefined ? {} : { idField: options.idField }),
    ...(options.labelField === undefined ? {} : { labelField: options.labelField }),
    ...(options.fieldMap === undefined ? {} : { fieldMap: options.fieldMap }),
  };
}

/** Size and modification time of the data file, for the run fingerprint. */
export function dataFileIdentity(file: string): { path: string; size: number; modifiedMs: number } {
  try {
    const stats = statSync(file);
    return { path: file, size: stats.size, modifiedMs: Math.floor(stats.mtimeMs) };
  } catch (error) {
    throw new InputError('file not found', { file, cause: error });
  }
}

/**
 * Every row of the data file, in order, as an item or as an invalid row with its error. Column
 * names are checked against the first row once, so a misspelt `--id-field` fails at row 1 rather
 * than on every row.
 */
export async function* readSource(
  options: DataSourceOptions,
  signal?: AbortSignal,
): AsyncGenerator<SourceEntry> {
  const { task } = options;
  // A task with outputs reads a gold column per output instead of one `labelField`.
  const goldColumns = task.outputs === undefined ? undefined : outputGoldColumns(task, options.labelField);
  let mapping = mappingFor(options);
  if (goldColumns !== undefined) delete mapping.labelField;
  let row = 0;
  let mappingChecked = false;
  // Two rows with one id cannot both be matched to their answers by id downstream (results,
  // resumes, joins), and `12345` and `"12345"` are the same id once read. The register keeps a
  // hash per id and reads a row again to check a match (see `createIdRegister`).
  const ids = createIdRegister({
    reread: (rows) => rereadIds(options, mapping, rows, signal),
  });
  for await (const source of readRecords(options.file, {
    keepBadRows: true,
    ...(signal ? { signal } : {}),
  })) {
    if (options.rows !== undefined && !options.rows(row)) {
      row += 1;
      continue;
    }
    const where = { file: options.file, line: source.line };
    if (source.error) {
      yield {
        kind: 'invalid',
        invalid: { row, line: source.line, id: String(source.line), error: source.error },
      };
      row += 1;
      continue;
    }
    if (!mappingChecked) {
      mappingChecked = true;
      // A column named `id` is the natural row id; without one, rows are named by their line.
      if (options.idField === undefined && Object.hasOwn(source.record, 'id'))
        mapping = { ...mapping, idField: 'id' };
      const optionalLabel = options.labelFieldIfPresent;
      if (goldColumns !== undefined && options.labelField !== undefined)
        checkOutputGoldColumns(goldColumns, Object.keys(source.record), where);
      if (
        goldColumns === undefined &&
        options.labelField === undefined &&
        optionalLabel !== undefined &&
        Object.hasOwn(source.record, optionalLabel)
      )
        mapping = { ...mapping, labelField: optionalLabel };
      validateMapping(Object.keys(source.record), mapping, where);
    }
    try {
      const mapped = mapRecord(source.record, mapping, where);
      const firstLine = await ids.firstLineOf(mapped.id, row, source.line);
      if (firstLine !== undefined) {
        throw new InputError(
          `duplicate id \`${mapped.id}\`, first seen at line ${firstLine}; ids must be unique (numbers and strings with the same digits are the same id)`,
          { ...where, field: mapping.idField ?? 'id' },
        );
      }
      const item: Item = { id: mapped.id, fields: mapped.fields };
      if (task.outputs !== undefined) {
        const gold = readOutputsGold(task, goldColumns!, source.record, where);
        if (gold !== undefined) item.gold = gold;
      } else if (mapped.gold !== undefined) {
        // An unknown gold label is bad input, named here, not an item scored wrong later.
        checkGoldAnswer(task, mapped.gold, { ...where, field: mapping.labelField ?? 'label' });
        item.gold = mapped.gold;
      }
      const rendered = renderItem(options.task, item, 0, 'abcd');
      // An o200k token holds at least one UTF-8 byte, so an item of no more bytes than the limit is
      // within it uncounted (tokenizing every item cost a run more CPU than the rest of reading).
      // Counting stops at the limit: a 50 MB field is refused in milliseconds, not tokenized whole.
      if (
        Buffer.byteLength(rendered) > options.maxItemTokens &&
        isWithinTokenLimit(rendered, options.maxItemTokens, asPlainText) === false
      ) {
        throw new InputError(
          `the item is more than ${options.maxItemTokens} tokens long (${rendered.length} characters), more than \`maxBatchTokens\`; it cannot be sent`,
          { ...where, field: options.task.fields.map((field) => field.name).join('+') },
        );
      }
      yield { kind: 'item', row, line: source.line, item, record: source.record };
    } catch (error) {
      if (!InputError.isInstance(error)) throw error;
      const rawId = mapping.idField === undefined ? undefined : source.record[mapping.idField];
      const id = typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId) : String(source.line);
      yield { kind: 'invalid', invalid: { row, line: source.line, id, error, record: source.record } };
    }
    row += 1;
  }
  if (row === 0) throw new InputError('the file holds no rows', { file: options.file });
}

/**
 * The ids of the rows `readSource` records in the first `rows` rows of the file, read again with
 * the mapping it settled on at the first row.
 */
async function* rereadIds(
  options: DataSourceOptions,
  mapping: FieldMapping,
  rows: number,
  signal?: AbortSignal,
): AsyncGenerator<RereadId> {
  let row = 0;
  for await (const source of readRecords(options.file, {
    keepBadRows: true,
    ...(signal ? { signal } : {}),
  })) {
    if (row >= rows) return;
    if (!source.error && (options.rows === undefined || options.rows(row))) {
      try {
        const { id } = mapRecord(source.record, mapping, { file: options.file, line: source.line });
        yield { row, line: source.line, id };
      } catch (error) {
        if (!InputError.isInstance(error)) throw error;
      }
    }
    row += 1;
  }
}

/** The valid items of the data file, in order; bad rows are left out (the scan reports them). */
export async function* sourceItems(options: DataSourceOptions, signal?: AbortSignal): AsyncGenerator<Item> {
  for await (const entry of readSource(options, signal)) if (entry.kind === 'item') yield entry.item;
}

export interface SourceScan {
  rows: number;
  /** sha256 of the rows read (see `createSourceDigest`), to check a later pass against. */
  digest: string;
  items: number;
  invalid: InvalidRow[];
  invalidCount: number;
  /** Every column of the file, in the order first seen (JSONL rows may differ in their keys). */
  columns: string[];
  /** The column the row ids come from, if any (an `id` column is taken when none was named). */
  idColumn?: string;
}

/** A first pass over the file that sends nothing: counts rows and finds every bad one up front. */
export async function scanSource(
  options: DataSourceOptions,
  onItem?: (item: Item) => void,
  signal?: AbortSignal,
): Promise<SourceScan> {
  const scan: SourceScan = { rows: 0, digest: '', items: 0, invalid: [], invalidCount: 0, columns: [] };
  const columns = new Set<string>();
  let firstRecord: Record<string, unknown> | undefined;
  const digest = createSourceDigest();
  for await (const entry of readSource(options, signal)) {
    scan.rows += 1;
    digest.add(entry);
    const record = entry.kind === 'item' ? entry.record : entry.invalid.record;
    if (record !== undefined) {
      firstRecord ??= record;
      for (const column of Object.keys(record)) columns.add(column);
    }
    if (entry.kind === 'item') {
      scan.items += 1;
      onItem?.(entry.item);
    } else {
      scan.invalidCount += 1;
      // Kept for their errors only: a bad row's record may be huge (a 50 MB field).
      if (scan.invalid.length < 20) {
        const { record: _record, ...invalid } = entry.invalid;
        scan.invalid.push(invalid);
      }
    }
  }
  scan.columns = [...columns];
  // The same choice readSource makes: a named id column, else a column called `id`.
  const idColumn =
    options.idField ?? (firstRecord !== undefined && Object.hasOwn(firstRecord, 'id') ? 'id' : undefined);
  if (idColumn !== undefined) scan.idColumn = idColumn;
  scan.digest = digest.digest();
  return scan;
}

/**
 * Every item of a labelled file, for evaluation: read by the same streamed readers as `run` (so
 * any format, the same id rule and the same file/line/field errors), then sampled with
 * `sampleItems`. A bad row
 * stops the evaluation, naming it, unless `onInvalid` takes it: scores over silently skipped rows
 * would mislead.
 */
export async function loadSourceItems(
  options: DataSourceOptions,
  sample: { size?: number; seed: number },
  /** Given, a bad row is handed to it and left out instead (`eval --skip-invalid`). */
  onInvalid?: (invalid: InvalidRow) => void,
): Promise<Item[]> {
  const items: Item[] = [];
  for await (const entry of readSource(options)) {
    if (entry.kind === 'invalid') {
      if (onInvalid === undefined) throw entry.invalid.error;
      onInvalid(entry.invalid);
    } else items.push(entry.item);
  }
  return sampleItems(items, sample.size, sample.seed);
}

/**
 * The items the simulated model learns its gold answers from, read with the named label column,
 * else the task's gold field or `label`. Every valid row must have a gold answer there: the
 * simulator answers from it, and a guess passed off as a model's answer (then cached and
 * replayed) would be a lie. Throws, as it reads, an `InputError` naming the file, line and column
 * of the first row without one.
 */
export async function* simulatorItems(
  options: DataSourceOptions,
  signal?: AbortSignal,
): AsyncGenerator<Item> {
  const labelField = options.labelField ?? options.task.goldField ?? 'label';
  const withLabels: DataSourceOptions = { ...options, labelField };
  const advice = `the simulated model (sim) answers only items with gold labels, read from column \`${labelField}\``;
  const refuse = (cause: string, line: number | undefined): InputError =>
    new InputError(`${advice}; ${cause} (--label-field names the column)`, {
      file: options.file,
      ...(line === undefined ? {} : { line }),
      field: labelField,
    });
  try {
    for await (const entry of readSource(withLabels, signal)) {
      if (entry.kind === 'invalid') {
        // A gold label outside the task's answers is bad input whoever answers; with
        // --label-field the first pass has found it already (and --skip-invalid may keep it).
        if (options.labelField === undefined && entry.invalid.error.field === labelField)
          throw entry.invalid.error;
        continue;
      }
      if (entry.item.gold === undefined)
        throw refuse(`this row has none (id \`${entry.item.id}\`)`, entry.line);
      yield entry.item;
    }
  } catch (error) {
    // A file without the column at all fails on its first row, before any item.
    if (InputError.isInstance(error) && error.field === labelField && /no column/.test(error.message))
      throw refuse(error.message.replace(/^.*?: /, ''), error.line);
    throw error;
  }
}
