import type { z } from 'zod';
import { InputError } from '../spec/errors.js';
import { closestName } from './closest-name.js';
import {
  answerSpaceSchema,
  exampleSchema,
  fieldSchema,
  labelSchema,
  type MultiOutputTask,
  outputAnswerSpaceSchema,
  outputSchema,
  type SingleOutputTask,
  type Task,
  type TaskInput,
  taskSchema,
} from './task-schema.js';

/** What is wrong with a task definition, and where: the path of keys and indexes to it. */
export interface TaskProblem {
  message: string;
  path: (string | number)[];
  /** Set for an unknown key, most often the cause of the other problems: the key it probably meant, if any. */
  unknownKey?: { meant?: string };
}

/** The keys an object at `path` of a task definition may have, or none where it is not one. */
function keysAt(definition: unknown, path: readonly (string | number)[]): string[] {
  const shape = (schema: { shape: Record<string, unknown> }) => Object.keys(schema.shape);
  const [first, second, third, fourth] = path;
  if (path.length === 0) return shape(taskSchema);
  if (first === 'fields' && path.length === 2) return shape(fieldSchema);
  if (first === 'examples' && path.length === 2) return shape(exampleSchema);
  if (first === 'answer' && path.length === 1) {
    const type = (definition as { answer?: { type?: unknown } } | undefined)?.answer?.type;
    const option = answerSpaceSchema.options.find((candidate) => candidate.shape.type.value === type);
    return option === undefined ? ['type'] : shape(option);
  }
  if (first === 'answer' && second === 'labels' && typeof third === 'number' && fourth === undefined)
    return shape(labelSchema);
  if (first === 'outputs' && typeof second === 'number')
    return outputKeysAt(definition, second, path.slice(2));
  return [];
}

/** The keys an object inside output `index` of a task's `outputs` may have, at `rest` below it. */
function outputKeysAt(definition: unknown, index: number, rest: readonly (string | number)[]): string[] {
  const shape = (schema: { shape: Record<string, unknown> }) => Object.keys(schema.shape);
  const [first, second, third] = rest;
  if (rest.length === 0) return shape(outputSchema);
  if (first === 'answer' && rest.length === 1) {
    const type = (valueAt(definition, ['outputs', index, 'answer']) as { type?: unknown } | undefined)?.type;
    const option = outputAnswerSpaceSchema.options.find((candidate) => candidate.shape.type.value === type);
    return option === undefined ? ['type'] : shape(option);
  }
  if (first === 'answer' && second === 'labels' && typeof third === 'number' && rest.length === 3)
    return shape(labelSchema);
  return [];
}

function valueAt(definition: unknown, path: readonly (string | number)[]): unknown {
  let value = definition;
  for (const part of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string | number, unknown>)[part];
  }
  return value;
}

function quoted(names: readonly string[]): string {
  return names.map((name) => `\`${name}\``).join(', ');
}

/** One zod issue in the words of a task file's author: one problem per unknown key. */
function describeIssue(issue: z.core.$ZodIssue, definition: unknown): TaskProblem[] {
  const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const known = keysAt(definition, path);
    return issue.keys.map((key) => {
      const guess = closestName(key, known);
      return {
        path: [...path, key],
        message: `unknown key \`${key}\`${guess === undefined ? '' : ` (did you mean \`${guess}\`?)`}; the keys here are ${quoted(known)}`,
        unknownKey: guess === undefined ? {} : { meant: guess },
      };
    });
  }
  return [describeValueIssue(issue, path, definition)];
}

function describeValueIssue(
  issue: z.core.$ZodIssue,
  path: (string | number)[],
  definition: unknown,
): TaskProblem {
  const value = valueAt(definition, path);
  if (
    value === undefined &&
    path.length > 0 &&
    (issue.code === 'invalid_type' || issue.code === 'invalid_union')
  ) {
    return { path, message: `\`${String(path.at(-1))}\` is required here` };
  }
  if (path.length === 2 && path[0] === 'answer' && path[1] === 'type') {
    const types = answerSpaceSchema.options.map((option) => option.shape.type.value);
    const guess = typeof value === 'string' ? closestName(value, types) : undefined;
    return {
      path,
      message: `\`type\` is ${JSON.stringify(value)}${guess === undefined ? '' : ` (did you mean \`${guess}\`?)`}; it must be one of ${quoted(types)}`,
    };
  }
  if (issue.code === 'invalid_union') {
    const expected = [
      ...new Set(
        issue.errors.flatMap((branch) =>
          branch.flatMap((inner) => (inner.code === 'invalid_type' ? [inner.expected] : [])),
        ),
      ),
    ];
    if (expected.length > 0) return { path, message: `expected a ${expected.join(' or a ')}` };
  }
  return { path, message: issue.message };
}

/**
 * Validates a task definition, filling in defaults, or says everything that is wrong with it:
 * `problems` in the order found, `problem` the one to fix first (an unknown key is most often the
 * cause of the others). A key reported missing is left out when an unknown key beside it is its
 * misspelling (`lables` leaves `labels` missing: one problem, not two).
 */
export function checkTask(
  definition: TaskInput | unknown,
): { task: Task } | { problem: TaskProblem; problems: TaskProblem[] } {
  const parsed = taskSchema.safeParse(definition);
  // The cross-key checks have made sure of what the schema's types cannot say: `answer` or
  // `outputs`, and examples shaped for the one given.
  if (parsed.success) return { task: parsed.data as Task };
  const described = parsed.error.issues.flatMap((issue) => describeIssue(issue, definition));
  const misspelt = new Set(
    described.flatMap((problem) =>
      problem.unknownKey?.meant === undefined
        ? []
        : [[...problem.path.slice(0, -1), problem.unknownKey.meant].join('.')],
    ),
  );
  const seen = new Set<string>();
  const problems = described.filter((problem) => {
    const key = `${problem.path.join('.')}\n${problem.message}`;
    const explained = problem.unknownKey === undefined && misspelt.has(problem.path.join('.'));
    if (seen.has(key) || explained) return false;
    seen.add(key);
    return true;
  });
  const first =
    problems.find((problem) => problem.unknownKey !== undefined) ??
    problems[0] ??
    ({ path: [], message: 'unknown problem' } satisfies TaskProblem);
  return { problem: first, problems: problems.length === 0 ? [first] : problems };
}

/** Validates a task definition once, filling in defaults. Throws InputError naming the bad field. */
export function defineTask(definition: TaskInput & { outputs: unknown[] }, source?: string): MultiOutputTask;
export function defineTask(definition: TaskInput & { answer: object }, source?: string): SingleOutputTask;
export function defineTask(definition: TaskInput | unknown, source?: string): Task;
export function defineTask(definition: TaskInput | unknown, source?: string): Task {
  const checked = checkTask(definition);
  if ('task' in checked) return checked.task;
  const field = checked.problem.path.join('.') || undefined;
  throw new InputError(`invalid task: ${checked.problem.message}`, {
    ...(source === undefined ? {} : { file: source }),
    ...(field === undefined ? {} : { field }),
  });
}
