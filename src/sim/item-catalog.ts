import { type Answer, normalizeAnswer } from '../parse/normalize-answer.js';
import { flattenFieldValue } from '../prompt/render-batch.js';
import type { Task } from '../task/task-schema.js';
import { textDigest } from './sim-random.js';

export interface CatalogItem {
  /** Hash of the item's field texts: its identity for every random draw. */
  digest: string;
  /** The gold answer as one of the task's answers; undefined when unknown or unreadable. */
  gold: Answer | undefined;
}

export interface ItemCatalog {
  /** The item with these field values, as a rendered batch shows them; undefined when unknown. */
  find(fields: Readonly<Record<string, string>>): CatalogItem | undefined;
  /** The identity of any field values, known or not. */
  digestOf(fields: Readonly<Record<string, string>>): string;
  readonly size: number;
}

function itemKey(task: Task, fields: Readonly<Record<string, string>>): string {
  return task.fields.map((field) => flattenFieldValue(fields[field.name] ?? '')).join('\u0001');
}

/**
 * Indexes the data set the simulator "knows" by the text the model sees: the task's fields,
 * flattened as the prompt renderer writes them. An item is recognised in a prompt by that text
 * alone, never by its id, which a real model would not see either. When two items share the same
 * text, the first one's gold answer is kept.
 */
export function createItemCatalog(
  task: Task,
  items: Iterable<{ fields: Readonly<Record<string, string>>; gold?: unknown }>,
): ItemCatalog {
  const byKey = new Map<string, CatalogItem>();
  for (const item of items) {
    const key = itemKey(task, item.fields);
    if (byKey.has(key)) continue;
    byKey.set(key, { digest: textDigest(key), gold: normalizeAnswer(task, item.gold) });
  }
  return {
    find: (fields) => byKey.get(itemKey(task, fields)),
    digestOf: (fields) => textDigest(itemKey(task, fields)),
    get size() {
      return byKey.size;
    },
  };
}
