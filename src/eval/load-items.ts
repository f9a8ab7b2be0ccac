import { readFile } from 'node:fs/promises';
import { hashSeed, shuffled } from '../engine/seeded-random.js';
import type { Item } from '../engine/types.js';
import { checkGoldAnswer } from '../parse/check-gold-answer.js';
import { InputError } from '../spec/errors.js';
import type { Task } from '../task/task-schema.js';

export interface LoadItemsOptions {
  /** Keep this many rows, drawn at random without replacement; all rows when absent or larger. */
  sample?: number;
  /** Seed of the sample. @default 0 */
  seed?: number;
}

function fieldText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * Reads a JSON Lines file into items for `task`: each row's task fields (strings; numbers and
 * booleans are written out), its `id` (or `line-<n>`) and its gold answer from the task's
 * `goldField` (default `label`) where present. A sample keeps the rows in file order. A simple
 * whole-file reader for evaluation; large inputs go through the streamed readers of `io/`.
 */
export async function loadJsonlItems(
  file: string,
  task: Task,
  options: LoadItemsOptions = {},
): Promise<Item[]> {
  const { sample } = options;
  if (sample !== undefined && (!Number.isInteger(sample) || sample < 1)) {
    throw new InputError(`Expected \`sample\` to be an integer >= 1, got \`${String(sample)}\``, {
      field: 'sample',
    });
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read the data file: ${(error as Error).message}`, { file, cause: error });
  }
  const goldField = task.goldField ?? 'label';
  const items: Item[] = [];
  text.split('\n').forEach((lineText, lineIndex) => {
    if (lineText.trim() === '') return;
    const line = lineIndex + 1;
    let record: unknown;
    try {
      record = JSON.parse(lineText);
    } catch (error) {
      throw new InputError(`not valid JSON: ${(error as Error).message}`, { file, line, cause: error });
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new InputError('expected a JSON object on each line', { file, line });
    }
    const row = record as Record<string, unknown>;
    const fields: Record<string, string> = {};
    for (const field of task.fields) {
      const value = fieldText(row[field.name]);
      if (value === undefined) {
        const present =
          row[field.name] === undefined ? 'missing' : `a ${typeof row[field.name]}, not a string`;
        throw new InputError(`the task \`${task.name}\` needs this field, and it is ${present}`, {
          file,
          line,
          field: field.name,
        });
      }
      fields[field.name] = value;
    }
    const id = fieldText(row.id) ?? `line-${line}`;
    const gold = row[goldField];
    if (gold === undefined || gold === null || gold === '') {
      items.push({ id, fields });
      return;
    }
    checkGoldAnswer(task, gold, { file, line, field: goldField });
    items.push({ id, fields, gold });
  });
  if (items.length === 0) throw new InputError('no rows: the file is empty', { file });
  return sampleItems(items, sample, options.seed ?? 0);
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
