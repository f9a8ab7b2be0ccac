import { InputError } from '../spec/errors.js';
import { columnForField } from './column-for-field.js';
import type { FieldMapping } from './field-mapping.js';

/** How many column names an error message lists before it says "and N more". */
const listedColumns = 30;

/**
 * Checks a mapping against the columns a file has (for instance the keys of its first row) and
 * fails with an InputError that names the missing column and lists the columns that exist.
 */
export function validateMapping(
  columns: readonly string[],
  mapping: FieldMapping,
  where: { file?: string; line?: number } = {},
): void {
  const fieldMap = mapping.fieldMap ?? {};
  for (const field of Object.keys(fieldMap)) {
    if (!mapping.fields.includes(field)) {
      throw new InputError(
        `\`--map ${field}=...\` (fieldMap) names \`${field}\`, which is not a field of the task; the task's fields are ${quoteList(mapping.fields)}`,
        { ...where, field },
      );
    }
  }
  const present = new Set(columns);
  for (const field of mapping.fields) {
    const column = columnForField(field, mapping);
    if (!present.has(column)) {
      const role =
        column === field
          ? `task field \`${field}\``
          : `task field \`${field}\` (mapped by \`--map ${field}=${column}\`)`;
      const separator = foreignSeparator(columns, column);
      throw missingColumnError(
        column,
        role,
        columns,
        where,
        separator === undefined
          ? `; name the column that holds it with --map ${field}=COLUMN`
          : `; the header reads as one column because its names are separated by ${separator === ';' ? '`;`' : 'tabs'}; batchprompt reads CSV separated by commas: save the file with commas, or as JSON Lines`,
      );
    }
  }
  if (mapping.idField !== undefined && !present.has(mapping.idField)) {
    throw missingColumnError(mapping.idField, '`--id-field` (idField)', columns, where);
  }
  if (mapping.labelField !== undefined && !present.has(mapping.labelField)) {
    throw missingColumnError(
      mapping.labelField,
      "`--label-field` (labelField, or the task's `goldField`)",
      columns,
      where,
    );
  }
}

/**
 * The separator of a header read as a single column whose names are split by `;` or tabs (a
 * spreadsheet's export where `,` is the decimal mark), when one of those names is the column
 * sought; undefined otherwise.
 */
function foreignSeparator(columns: readonly string[], column: string): ';' | '\t' | undefined {
  if (columns.length !== 1) return undefined;
  return ([';', '\t'] as const).find((separator) =>
    columns[0]!.split(separator).some((name) => name.trim() === column),
  );
}

function missingColumnError(
  column: string,
  role: string,
  columns: readonly string[],
  where: { file?: string; line?: number },
  remedy = '',
): InputError {
  const lowered = column.trim().toLowerCase();
  const nearMatch = columns.find((candidate) => candidate.trim().toLowerCase() === lowered);
  const hint = nearMatch === undefined ? '' : ` (did you mean \`${nearMatch}\`?)`;
  const existing = columns.length === 0 ? 'the row has no columns' : `the columns are ${quoteList(columns)}`;
  return new InputError(`no column \`${column}\` for ${role}${hint}; ${existing}${remedy}`, {
    ...where,
    field: column,
  });
}

function quoteList(names: readonly string[]): string {
  const shown = names.slice(0, listedColumns).map((name) => `\`${name}\``);
  const more = names.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}
