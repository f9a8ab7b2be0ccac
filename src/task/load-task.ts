import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { isMap, isNode, isScalar, LineCounter, parseDocument, parse as parseYaml } from 'yaml';
import { InputError } from '../spec/errors.js';
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
 * the file, the line and column it is at, and the dotted path of the key.
 */
export function parseTaskFile(text: string, file: string): Task {
  let definition: unknown;
  try {
    definition = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const position = (error as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    throw new InputError(`cannot read the task file: ${(error as Error).message}`, {
      file,
      ...(position === undefined ? {} : { line: position.line, column: position.col }),
      cause: error,
    });
  }
  const checked = checkTask(definition);
  if ('task' in checked) return checked.task;
  const { path, message } = checked.problem;
  const position = positionOf(text, path);
  const field = path.join('.');
  throw new InputError(`invalid task: ${message}`, {
    file,
    ...(position === undefined ? {} : { line: position.line, column: position.col }),
    ...(field === '' ? {} : { field }),
  });
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
