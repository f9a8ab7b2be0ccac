import type { ItemResult } from '../engine/types.js';
import type { ResultRow } from '../io/write-results.js';

/** An item's result as a row of the results file, with the data file's row when there is one. */
export function resultRow(result: ItemResult, input?: Record<string, unknown>): ResultRow {
  const row: ResultRow = {
    id: result.id,
    answer: result.answer,
    confidence: result.confidence,
    settled: result.settled,
    margin: result.margin,
    votes: result.tally,
    status: result.status,
  };
  if (result.error !== undefined) row.error = result.error;
  if (result.gold !== undefined) row.gold = result.gold;
  if (result.correct !== undefined) row.correct = result.correct;
  if (input !== undefined) row.input = input;
  if (result.outputs !== undefined) {
    row.outputs = Object.fromEntries(
      Object.entries(result.outputs).map(([name, output]) => [
        name,
        {
          answer: output.answer,
          confidence: output.confidence,
          settled: output.settled,
          ...(output.gold === undefined ? {} : { gold: output.gold }),
          ...(output.correct === undefined ? {} : { correct: output.correct }),
        },
      ]),
    );
  }
  return row;
}
