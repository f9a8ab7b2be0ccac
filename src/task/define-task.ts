import { InputError } from '../spec/errors.js';
import { type Task, type TaskInput, taskSchema } from './task-schema.js';

/** Validates a task definition once, filling in defaults. Throws InputError naming the bad field. */
export function defineTask(definition: TaskInput | unknown, source?: string): Task {
  const parsed = taskSchema.safeParse(definition);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') || undefined;
  throw new InputError(`invalid task: ${issue?.message ?? 'unknown problem'}`, {
    ...(source === undefined ? {} : { file: source }),
    ...(field === undefined ? {} : { field }),
  });
}
