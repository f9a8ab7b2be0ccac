import { resolveStrategy } from '../engine/resolve-strategy.js';
import {
  type DataSourceOptions,
  dataFileIdentity,
  type SourceScan,
  scanSource,
} from '../source/read-source.js';
import { InputError } from '../spec/errors.js';
import { rowSelection } from './row-selection.js';

/** The data file as a run reads it; an item's largest size defaults to the default batch's token limit. */
export type SelectSourceInput = Omit<DataSourceOptions, 'maxItemTokens'> & { maxItemTokens?: number };

/** The rows a run answers, with what the first pass found in them. */
export interface SelectedSource {
  source: DataSourceOptions;
  scan: SourceScan;
  /** Size and modification time when scanned: the answering pass must read the same file. */
  identity: { path: string; size: number; modifiedMs: number };
}

export interface SelectSourceOptions {
  /** A trial: the first `limit` rows. */
  limit?: number;
  /** A trial: a seeded sample of `sample` rows, kept in file order (the same seed, the same rows). */
  sample?: number;
  /** Seed of the sample. @default 0 */
  seed?: number;
  /** Go on past bad rows (they are in the scan, and become invalid results) instead of refusing. */
  skipInvalid?: boolean;
  /** What skipping a bad row would do, for the message that refuses one: `--skip-invalid ...`. */
  skipInvalidHint?: string;
}

/**
 * The data file's rows cut to `limit` (its first rows) or `sample`, and scanned once before
 * anything is paid for: a bad row stops here with an `InputError` naming file, line and field,
 * unless `skipInvalid` lets the run go on without it.
 */
export async function selectSource(
  source: SelectSourceInput,
  options: SelectSourceOptions = {},
): Promise<SelectedSource> {
  const identity = dataFileIdentity(source.file);
  // An item over the batch's token limit could not be sent in any batch.
  const selected: DataSourceOptions = {
    ...source,
    maxItemTokens: source.maxItemTokens ?? resolveStrategy({}).maxBatchTokens,
  };
  // A trial takes the first rows or a sample of them; a sample needs the row count.
  if (options.limit !== undefined) selected.rows = rowSelection({ limit: options.limit, seed: 0 }, 0);
  else if (options.sample !== undefined) {
    const all = await scanSource(selected);
    const rows = rowSelection({ sample: options.sample, seed: options.seed ?? 0 }, all.rows);
    if (rows !== undefined) selected.rows = rows;
  }
  // Every bad row is found before anything is paid for.
  const scan = await scanSource(selected);
  if (scan.invalidCount > 0 && !options.skipInvalid) {
    const first = scan.invalid[0]!;
    const hint = options.skipInvalidHint === undefined ? '' : `; ${options.skipInvalidHint}`;
    const more =
      scan.invalidCount > 1
        ? ` (and ${scan.invalidCount - 1} more bad row(s)${hint})`
        : hint === ''
          ? ''
          : ` (${hint.slice(2)})`;
    throw new InputError(`${first.error.message.replace(/^.*?: /, '')}${more}`, {
      file: source.file,
      line: first.line,
      ...(first.error.field === undefined ? {} : { field: first.error.field }),
    });
  }
  return { source: selected, scan, identity };
}
