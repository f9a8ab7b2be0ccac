import { type Answer, normalizeAnswer } from '../parse/normalize-answer.js';
import { flattenFieldValue } from '../prompt/render-batch.js';
import type { Task } from '../task/task-schema.js';
import { HashTable64 } from '../util/hash-table-64.js';
import { encodeOutputsGold } from './outputs-gold.js';
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
  /** Calls `visit` with the 64-bit key (`catalogKey`) of every item with a gold answer, in no particular order. */
  forEachLabelled(visit: (keyHigh: number, keyLow: number) => void): void;
  readonly size: number;
}

/** The 64 bits of an item's digest the catalog keeps, as two 32-bit halves. */
export function catalogKey(digest: string): [high: number, low: number] {
  // The digest is hex of a sha256: its first 16 digits are 64 well-spread bits.
  return [Number.parseInt(digest.slice(0, 8), 16), Number.parseInt(digest.slice(8, 16), 16)];
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
 * Per item only the first 64 bits of the text's digest and the number of its gold answer are
 * kept, in typed arrays (`HashTable64`, 16 to 32 bytes an item), never the text and no object: a
 * catalog of 10^6 items is 25 MB whatever the items' length, and adds nothing for the collector
 * to trace (a run stays bounded in memory on the simulator as on any model). Each distinct gold
 * answer is kept once: a few for a task with labels, at most one per item for numbers or free
 * text. Two texts whose digests share their first 64 bits would be taken for one (for 10^6
 * items, a chance of about 3 in 10^8).
 */
export function createItemCatalog(task: Task, items: Iterable<KnownItem> = []): ItemCatalog {
  const goldCodes = new HashTable64();
  /** Gold answers by code less one; code 0 is an item without a gold answer. */
  const answers: Answer[] = [];
  const codeOfAnswer = new Map<Answer, number>();
  const digestOf = (fields: Readonly<Record<string, string>>) => textDigest(itemKey(task, fields));
  const codeOf = (gold: Answer | undefined): number => {
    if (gold === undefined) return 0;
    let code = codeOfAnswer.get(gold);
    if (code === undefined) {
      answers.push(gold);
      code = answers.length;
      codeOfAnswer.set(gold, code);
    }
    return code;
  };
  const catalog: ItemCatalog = {
    find(fields) {
      const digest = digestOf(fields);
      const code = goldCodes.get(...catalogKey(digest));
      return code === undefined ? undefined : { digest, gold: code === 0 ? undefined : answers[code - 1] };
    },
    digestOf,
    add(item) {
      const digest = digestOf(item.fields);
      const [keyHigh, keyLow] = catalogKey(digest);
      if (goldCodes.get(keyHigh, keyLow) === undefined)
        goldCodes.set(
          keyHigh,
          keyLow,
          codeOf(
            task.outputs === undefined
              ? normalizeAnswer(task, item.gold)
              : encodeOutputsGold(task, item.gold),
          ),
        );
    },
    forEachLabelled(visit) {
      goldCodes.forEach((keyHigh, keyLow, code) => {
        if (code !== 0) visit(keyHigh, keyLow);
      });
    },
    get size() {
      return goldCodes.size;
    },
  };
  for (const item of items) catalog.add(item);
  return catalog;
}
