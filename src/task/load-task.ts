import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../spec/errors.js';
import { builtinTasks } from './builtin-tasks.js';
import { defineTask } from './define-task.js';
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
  const text = readFileSync(nameOrFile, 'utf8');
  let definition: unknown;
  try {
    definition = extname(nameOrFile).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new InputError(`cannot read the task file: ${(error as Error).message}`, {
      file: nameOrFile,
      cause: error,
    });
  }
  return defineTask(definition, nameOrFile);
}
