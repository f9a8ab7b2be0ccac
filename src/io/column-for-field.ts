import type { FieldMapping } from './field-mapping.js';

/** The file column a task field is read from: its `fieldMap` entry, else the column of the same name. */
export function columnForField(field: string, mapping: FieldMapping): string {
  const fieldMap = mapping.fieldMap;
  // Object.hasOwn: a field named like an Object.prototype member ("constructor") is not mapped.
  return fieldMap !== undefined && Object.hasOwn(fieldMap, field) ? fieldMap[field]! : field;
}
