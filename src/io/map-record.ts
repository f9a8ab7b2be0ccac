import { InputError } from '../spec/errors.js';
import { columnForField } from './column-for-field.js';
import { describeValue } from './describe-value.js';
import type { FieldMapping } from './field-mapping.js';
import { validateMapping } from './validate-mapping.js';

/** A row turned into a task item. */
export interface MappedRecord {
  id: string;
  /** Where the row is in its file (see `SourceRecord.line`). */
  line: number;
  /** The task's item fields, as text. */
  fields: Record<string, string>;
  /** The gold answer, when `labelField` is set and the row has one (not null, not empty). */
  gold?: unknown;
}

/**
 * Turns one row into a task item. Fails with an InputError naming the file, line and column when
 * a column is missing or a value cannot be shown to a model as text; a caller that wants the run
 * to go on records the error as an `invalid` result for this row.
 */
export function mapRecord(
  record: Record<string, unknown>,
  mapping: FieldMapping,
  where: { file: string; line: number },
): MappedRecord {
  const entries: [string, string][] = [];
  for (const field of mapping.fields) {
    const column = columnForField(field, mapping);
    if (!Object.hasOwn(record, column)) throw missingColumn(record, mapping, where);
    const value = record[column];
    const text = toText(value);
    if (text === undefined) {
      const role =
        column === field ? `task field \`${field}\`` : `task field \`${field}\` (column \`${column}\`)`;
      throw new InputError(`${role} must be a string, number or boolean, got ${describeValue(value)}`, {
        ...where,
        field: column,
      });
    }
    entries.push([field, text]);
  }

  let id = String(where.line);
  if (mapping.idField !== undefined) {
    if (!Object.hasOwn(record, mapping.idField)) throw missingColumn(record, mapping, where);
    const value = record[mapping.idField];
    const text = typeof value === 'boolean' ? undefined : toText(value);
    if (text === undefined || text.trim() === '') {
      throw new InputError(
        `\`idField\` column \`${mapping.idField}\` must hold a non-empty string or number, got ${describeValue(value)}`,
        { ...where, field: mapping.idField },
      );
    }
    id = text;
  }

  // Object.fromEntries, not assignment, so that a field named `__proto__` stays an ordinary key.
  const mapped: MappedRecord = { id, line: where.line, fields: Object.fromEntries(entries) };
  if (mapping.labelField !== undefined) {
    if (!Object.hasOwn(record, mapping.labelField)) throw missingColumn(record, mapping, where);
    const gold = record[mapping.labelField];
    // An empty CSV cell or a null means the row has no gold answer, not that the answer is "".
    if (gold !== null && gold !== undefined && gold !== '') mapped.gold = gold;
  }
  return mapped;
}

/** Text for a scalar value; undefined for values a prompt cannot show faithfully. */
function toText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? String(value) : undefined;
    case 'bigint':
    case 'boolean':
      return String(value);
    default:
      return undefined;
  }
}

function missingColumn(
  record: Record<string, unknown>,
  mapping: FieldMapping,
  where: { file: string; line: number },
): InputError {
  try {
    validateMapping(Object.keys(record), mapping, where);
  } catch (error) {
    return error as InputError;
  }
  // Unreachable: validateMapping fails for any column that mapRecord found missing.
  return new InputError('a mapped column is missing', where);
}
