import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

/**
 * Writes `count` generated BoolQ-shaped rows (id, question, passage, label) to a JSONL file, for
 * measurements that need many rows and no real data. Every row's text differs, so the simulator
 * cannot fold rows together.
 */
export async function writeYesNoRows(file: string, count: number): Promise<void> {
  const out = createWriteStream(file);
  for (let index = 0; index < count; index += 1) {
    const row = {
      id: `row-${index}`,
      question: `is row ${index} of the generated series an even one`,
      passage: `Row ${index} is one of a long generated series. It is ${index % 2 === 0 ? 'even' : 'odd'}, and its text exists only to be read and answered.`,
      label: index % 2 === 0,
    };
    if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
