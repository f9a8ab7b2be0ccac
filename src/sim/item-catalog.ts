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

export type KnownItem = { fields: Readonly<Record<string, string>>; gold?: unknown };

export interface ItemCatalog {
  /** The item with these field values, as a rendered batch shows them; undefined when unknown. */
  find(fields: Readonly<Record<string, string>>): CatalogItem | undefined;
  /** The identity of any field values, known or not. */
  digestOf(fields: Readonly<Record<string, string>>): string;
  /** Learns one more item; an item whose text is already known keeps its first gold answer. */
  add(item: KnownItem): void;
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
 *
 * Only a digest of the text and the gold answer are kept per item, never the text: a catalog of
 * 10^6 items is tens of megabytes whatever the length of the items (a run stays bounded in memory
 * on the simulator as on any model).
 */
export function createItemCatalog(task: Task, items: Iterable<KnownItem> = []): ItemCatalog {
  const goldByDigest = new Map<string, Answer | undefined>();
  const digestOf = (fields: Readonly<Record<string, string>>) => textDigest(itemKey(task, fields));
  const catalog: ItemCatalog = {
    find(fields) {
      const digest = digestOf(fields);
      return goldByDigest.has(digest) ? { digest, gold: goldByDigest.get(digest) } : undefined;
    },
    digestOf,
    add(item) {
      const digest = digestOf(item.fields);
      if (!goldByDigest.has(digest)) goldByDigest.set(digest, normalizeAnswer(task, item.gold));
    },
    get size() {
      return goldByDigest.size;
    },
  };
  for (const item of items) catalog.add(item);
  return catalog;
}
