import { InputError } from '../spec/errors.js';
import { describeValue } from './describe-value.js';

/**
 * Parses the text of one row (a JSONL line, a JSON array element), which must be a JSON object.
 * `note` is added to error messages, e.g. where an array element starts in the file.
 */
export function parseJsonObject(
  text: string,
  where: { file: string; line: number; note?: string },
): Record<string, unknown> {
  const { note, ...location } = where;
  const suffix = note === undefined ? '' : ` (${note})`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const excerpt = text.trim().length > 60 ? `${text.trim().slice(0, 60)}…` : text.trim();
    throw new InputError(`invalid JSON: ${(error as Error).message}, in \`${excerpt}\`${suffix}`, {
      ...location,
      cause: error,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(
      `expected a JSON object with the row's fields, got ${describeValue(value)}${suffix}`,
      location,
    );
  }
  return value as Record<string, unknown>;
}
