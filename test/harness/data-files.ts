import { writeFileSync } from 'node:fs';
import type { Item } from '../../src/engine/types.js';

/** Writes `rows` as a JSON Lines file, one row a line. */
export function writeJsonl(file: string, rows: readonly object[]): string {
  writeFileSync(file, `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
  return file;
}

/** The rows of a data file holding `items`: id, then the fields, then the gold answer as `label`. */
export function itemRows(items: readonly Item[]): object[] {
  return items.map((item) => ({ id: item.id, ...item.fields, label: item.gold }));
}

/** BoolQ-shaped items `r0`, `r1`...: "is N even", with the true answer as gold. */
export function parityItems(count: number): Item[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `r${index}`,
    fields: {
      question: `is ${index} even`,
      passage: `The number ${index} is ${index % 2 ? 'odd' : 'even'}.`,
    },
    gold: index % 2 === 0,
  }));
}
