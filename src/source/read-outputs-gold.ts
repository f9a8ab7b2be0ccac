import { normalizeOutputAnswer } from '../parse/normalize-output-answer.js';
import { InputError } from '../spec/errors.js';
import type { MultiOutputTask } from '../task/task-schema.js';

/**
 * The gold columns of a task with several outputs: each output's is the column named like it,
 * unless `labelField` maps another (`topic=team,urgency=priority`; parts without `=`, such as the
 * default `label`, map nothing). Unknown outputs in the mapping are refused, naming the outputs.
 */
export function outputGoldColumns(
  task: MultiOutputTask,
  labelField: string | undefined,
): Map<string, string> {
  const columns = new Map(task.outputs.map((output) => [output.name, output.name]));
  for (const part of (labelField ?? '').split(',')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    const output = part.slice(0, at).trim();
    if (!columns.has(output)) {
      throw new InputError(
        `--label-field maps \`${output}\`, which is not an output of task \`${task.name}\` (its outputs: ${[...columns.keys()].join(', ')})`,
        { field: 'label-field' },
      );
    }
    columns.set(output, part.slice(at + 1).trim());
  }
  return columns;
}

/** Refuses a file whose first row lacks an output's gold column, naming the output and the column. */
export function checkOutputGoldColumns(
  columns: ReadonlyMap<string, string>,
  present: readonly string[],
  where: { file: string; line: number },
): void {
  const have = new Set(present);
  for (const [output, column] of columns) {
    if (have.has(column)) continue;
    throw new InputError(
      `no gold column \`${column}\` for output \`${output}\` (the file's columns: ${present.join(', ')}); map another with --label-field ${output}=<column>`,
      { ...where, field: column },
    );
  }
}

/**
 * An item's gold answers, by output, from the columns that hold one (not null, not empty), each
 * checked against its output's answers: an unknown label is bad input, named by line and column.
 * Undefined when the row has none.
 */
export function readOutputsGold(
  task: MultiOutputTask,
  columns: ReadonlyMap<string, string>,
  record: Readonly<Record<string, unknown>>,
  where: { file: string; line: number },
): Record<string, unknown> | undefined {
  const gold: Record<string, unknown> = {};
  for (const output of task.outputs) {
    const column = columns.get(output.name) ?? output.name;
    const value = record[column];
    if (value === undefined || value === null || value === '') continue;
    if (normalizeOutputAnswer(output, value) === undefined) {
      throw new InputError(
        `gold answer ${JSON.stringify(value)} of output \`${output.name}\` is not one it allows`,
        { ...where, field: column },
      );
    }
    gold[output.name] = value;
  }
  return Object.keys(gold).length === 0 ? undefined : gold;
}
