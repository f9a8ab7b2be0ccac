import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';
import { InputError } from '../spec/errors.js';
import { jsonErrorPosition } from '../util/json-error-position.js';
import { builtinTasks } from './builtin-tasks.js';
import { checkTask, defineTask } from './define-task.js';
import type { Task } from './task-schema.js';

export interface LoadTaskOptions {
  /**
   * Ask for a worked solution before each answer (`--reasoning`), whatever the task file says.
   * The task's examples must then each have a `reasoning`.
   */
  reasoning?: boolean;
}

/**
 * A built-in task by name (`boolq`, `rte`, `qqp`, `gsm8k`), or a task file in YAML or JSON.
 */
export function loadTask(nameOrFile: string, options: LoadTaskOptions = {}): Task {
  const task = readTask(nameOrFile);
  if (options.reasoning !== true || task.reasoning) return task;
  return defineTask(
    { ...task, reasoning: true },
    builtinTasks[nameOrFile] === undefined ? nameOrFile : `built-in task ${nameOrFile}`,
  );
}

function readTask(nameOrFile: string): Task {
  const builtin = builtinTasks[nameOrFile];
  if (builtin !== undefined) return builtin;
  if (!existsSync(nameOrFile)) {
    throw new InputError(
      `no built-in task of that name and no such file (built-in tasks: ${Object.keys(builtinTasks).join(', ')})`,
      { file: nameOrFile },
    );
  }
  return parseTaskFile(readFileSync(nameOrFile, 'utf8'), nameOrFile);
}

/**
 * A task file's text as a task: YAML, or JSON for a `.json` file. A problem is an InputError with
 * the file, the line and column it is at, and the dotted path of the key; when the file has more
 * than one, the message says how many and that `batchprompt task check` lists them all.
 */
export function parseTaskFile(text: string, file: string): Task {
  const checked = checkTaskFile(text, file);
  if ('task' in checked) return checked.task;
  const others = checked.problems.length - 1;
  const { message, cause, ...where } = checked.first;
  const more =
    others === 0 ? '' : ` (and ${others} more problem(s): \`batchprompt task check ${file}\` lists them all)`;
  throw new InputError(`${message}${more}`, { ...where, ...(cause === undefined ? {} : { cause }) });
}

/** One problem of a task file: what is wrong, and where. */
export interface TaskFileProblem {
  message: string;
  file: string;
  line?: number;
  column?: number;
  /** The dotted path of the key (`answer.labels.1.alias`). */
  field?: string;
  cause?: unknown;
}

/** A problem as the error that names its place: `file, line L, column C, field \`f\`: message`. */
export function taskFileError(problem: TaskFileProblem): InputError {
  const { message, ...where } = problem;
  return new InputError(message, where);
}

/**
 * Every problem of a task file's text, in the order of the file, or the task it defines: what
 * `batchprompt task check` reports, so that a file is fixed in one pass rather than one problem
 * per run. `first` is the one to fix first: the first unknown key, most often the cause of the others.
 */
export function checkTaskFile(
  text: string,
  file: string,
): { task: Task } | { problems: TaskFileProblem[]; first: TaskFileProblem } {
  const read = readDefinition(text, file);
  if ('problems' in read) return { problems: read.problems, first: read.problems[0]! };
  const checked = checkTask(read.definition);
  if ('task' in checked) return checked;
  const located = checked.problems.map((problem): TaskFileProblem & { unknownKey: boolean } => {
    const position = positionOf(text, problem.path);
    const field = problem.path.join('.');
    return {
      message: `invalid task: ${problem.message}`,
      file,
      ...(position === undefined ? {} : { line: position.line, column: position.col }),
      ...(field === '' ? {} : { field }),
      unknownKey: problem.unknownKey !== undefined,
    };
  });
  const inFileOrder = located.sort(
    (left, right) => (left.line ?? 0) - (right.line ?? 0) || (left.column ?? 0) - (right.column ?? 0),
  );
  const problems = inFileOrder.map(({ unknownKey: _unknownKey, ...problem }) => problem);
  const first = problems[inFileOrder.findIndex((problem) => problem.unknownKey)] ?? problems[0]!;
  return { problems, first };
}

/** The file's data, or every syntax error it has (YAML reports them all; JSON stops at its first). */
function readDefinition(
  text: string,
  file: string,
): { definition: unknown } | { problems: TaskFileProblem[] } {
  const cannotRead = (error: Error, position: { line?: number; column?: number }): TaskFileProblem => ({
    message: `cannot read the task file: ${error.message}`,
    file,
    ...position,
    cause: error,
  });
  if (extname(file).toLowerCase() === '.json') {
    try {
      return { definition: JSON.parse(text) };
    } catch (error) {
      return { problems: [cannotRead(error as Error, jsonErrorPosition(text, error))] };
    }
  }
  const document = parseDocument(text);
  if (document.errors.length === 0) return { definition: document.toJS() };
  return {
    problems: document.errors.map((error) => {
      const position = error.linePos?.[0];
      return cannotRead(error, position === undefined ? {} : { line: position.line, column: position.col });
    }),
  };
}

/**
 * Where a path of keys is in the file: the key itself when the path ends at one, else the value,
 * else the nearest enclosing node that is there (a missing key is reported at its parent). JSON is
 * read as YAML for this, which it is.
 */
function positionOf(
  text: string,
  path: readonly (string | number)[],
): { line: number; col: number } | undefined {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  for (let length = path.length; length >= 0; length -= 1) {
    const parentPath = path.slice(0, Math.max(0, length - 1));
    const parent = length === 0 ? document.contents : document.getIn(parentPath, true);
    if (length > 0 && isMap(parent)) {
      const key = path[length - 1];
      const pair = parent.items.find((item) => isScalar(item.key) && String(item.key.value) === String(key));
      const node = pair?.key;
      if (isScalar(node) && node.range) return lineCounter.linePos(node.range[0]);
      continue;
    }
    const node = length === 0 ? document.contents : document.getIn(path.slice(0, length), true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]);
  }
  return undefined;
}
