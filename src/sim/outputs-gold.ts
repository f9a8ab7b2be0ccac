import { normalizeOutputAnswer, type OutputAnswer } from '../parse/normalize-output-answer.js';
import type { MultiOutputTask } from '../task/task-schema.js';

/*
 * The gold answers of an item of a task with several outputs, as the item catalog keeps them: one
 * text per item (the catalog keeps each distinct gold answer once) holding every output's gold
 * answer, or null where the item has none for that output.
 */

/** An item's gold record (`{ topic: 'billing', mentions: ['refund'] }`) as one catalog answer. */
export function encodeOutputsGold(task: MultiOutputTask, gold: unknown): string | undefined {
  if (typeof gold !== 'object' || gold === null || Array.isArray(gold)) return undefined;
  const record = gold as Record<string, unknown>;
  const entries = task.outputs.map((output) => [
    output.name,
    normalizeOutputAnswer(output, record[output.name]) ?? null,
  ]);
  if (entries.every(([, value]) => value === null)) return undefined;
  return JSON.stringify(Object.fromEntries(entries));
}

/** One output's gold answer from a catalog answer made by `encodeOutputsGold`. */
export function decodeOutputGold(encoded: unknown, output: string): OutputAnswer | undefined {
  if (typeof encoded !== 'string') return undefined;
  const value = (JSON.parse(encoded) as Record<string, OutputAnswer | null>)[output];
  return value ?? undefined;
}
