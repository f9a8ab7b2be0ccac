import type { ItemResult } from '../engine/types.js';
import type { ResultRow } from '../io/write-results.js';

/** An item's result as a row of the results file. */
export function resultRow(result: ItemResult): ResultRow {
  const row: ResultRow = {
    id: result.id,
    answer: result.answer,
    confidence: result.confidence,
    votes: result.tally,
    status: result.status,
  };
  if (result.error !== undefined) row.error = result.error;
  if (result.gold !== undefined) row.gold = result.gold;
  if (result.correct !== undefined) row.correct = result.correct;
  return row;
}
