import { InputError } from '../spec/errors.js';
import type { Task } from '../task/task-schema.js';
import type { Item } from './types.js';

function described(value: unknown): string {
  if (value === undefined) return 'nothing (the value is missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value === 'object' ? 'an object' : `the ${typeof value} ${String(value)}`;
}

/**
 * Refuses, before it is asked, an item the prompt cannot show as given. The items of `batchPrompt`
 * come from the caller's code, not through the data file reader that checks a run's rows: a field
 * left out was sent as an empty line (paid for, and answered as if the model had read something),
 * and a number in a field crashed the prompt renderer with a bare TypeError.
 */
export function checkItem(task: Task, item: unknown, index: number): asserts item is Item {
  const place = `items[${index}]`;
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw new InputError(`Expected \`${place}\` to be an object { id, fields }, got ${described(item)}`, {
      field: place,
    });
  }
  const { id, fields } = item as { id?: unknown; fields?: unknown };
  if (typeof id !== 'string' || id === '') {
    throw new InputError(`Expected \`${place}.id\` to be a non-empty string, got ${described(id)}`, {
      field: `${place}.id`,
    });
  }
  const shown = `item \`${id}\``;
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new InputError(
      `Expected \`${place}.fields\` (${shown}) to be an object, got ${described(fields)}`,
      {
        field: `${place}.fields`,
      },
    );
  }
  for (const { name } of task.fields) {
    const value = Object.hasOwn(fields, name) ? (fields as Record<string, unknown>)[name] : undefined;
    if (typeof value === 'string') continue;
    throw new InputError(
      `Expected \`${place}.fields.${name}\` (${shown}) to be a string, got ${described(value)}; task \`${task.name}\` reads ${task.fields.map((field) => `\`${field.name}\``).join(', ')}`,
      { field: `${place}.fields.${name}` },
    );
  }
}
