import { resolveStrategy } from '../engine/resolve-strategy.js';
import { hashSeed, shuffled } from '../engine/seeded-random.js';
import type { Item } from '../engine/types.js';
import { InputError } from '../spec/errors.js';
import type { Task } from '../task/task-schema.js';
import { loadSourceItems } from './read-source.js';

export interface LoadItemsOptions {
  /** Keep this many rows, drawn at random without replacement; all rows when absent or larger. */
  sample?: number;
  /** Seed of the sample. @default 0 */
  seed?: number;
  /** The column of each row's id. @default `id` where the first row has one, else the line number */
  idField?: string;
  /**
   * The column of the gold answer, which every row must then have. @default the task's
   * `goldField`, else `label`, where the first row has that column; else no gold answers
   */
  labelField?: string;
  /** Task field name to column name, for columns named otherwise. */
  fieldMap?: Record<string, string>;
}

/** An item over the default `maxBatchTokens` could not be sent in any batch. */
const defaultMaxItemTokens = resolveStrategy({}).maxBatchTokens;

/**
 * Reads a data file (JSONL, CSV, JSON array or Parquet) into items for `task`, through the same
 * readers, field mapping and id rule as `batchprompt run`: each row's task fields, its id (the
 * `id` column where the first row has one, else its line number, `"1"`, `"2"`, ...) and its gold
 * answer where present. The first bad row stops it with an `InputError` naming file, line and
 * field. A sample keeps the rows in file order. It holds every item: large inputs go to
 * `batchPrompt` as a stream instead.
 */
export async function loadItems(file: string, task: Task, options: LoadItemsOptions = {}): Promise<Item[]> {
  const { sample } = options;
  if (sample !== undefined && (!Number.isInteger(sample) || sample < 1)) {
    throw new InputError(`Expected \`sample\` to be an integer >= 1, got \`${String(sample)}\``, {
      field: 'sample',
    });
  }
  return loadSourceItems(
    {
      file,
      task,
      maxItemTokens: defaultMaxItemTokens,
      ...(options.labelField === undefined
        ? { labelFieldIfPresent: task.goldField ?? 'label' }
        : { labelField: options.labelField }),
      ...(options.idField === undefined ? {} : { idField: options.idField }),
      ...(options.fieldMap === undefined ? {} : { fieldMap: options.fieldMap }),
    },
    { ...(sample === undefined ? {} : { size: sample }), seed: options.seed ?? 0 },
  );
}

/**
 * A seeded sample of `sample` items without replacement, kept in file order; all items when
 * `sample` is absent or not smaller than the list. The same seed always picks the same rows.
 */
export function sampleItems<T>(items: readonly T[], sample: number | undefined, seed: number): T[] {
  if (sample === undefined || sample >= items.length) return [...items];
  const positions = items.map((_, index) => index);
  const chosen = shuffled(positions, hashSeed('sample', seed))
    .slice(0, sample)
    .sort((left, right) => left - right);
  return chosen.map((index) => items[index]!);
}
