import type { BasicType, ColumnSource } from 'hyparquet-writer';
import { parquetWriteBuffer } from 'hyparquet-writer';

/**
 * A Parquet file of the given rows (one value per column name, in order). Each column gets the
 * one type all its values share (text, boolean, 32- or 64-bit integer, double, timestamp); a
 * column of mixed or nested values is written as JSON text, so nothing is lost or refused.
 */
export function parquetColumns(names: readonly string[], rows: readonly (readonly unknown[])[]): Uint8Array {
  const columnData: ColumnSource[] = names.map((name, index) => {
    const values = rows.map((row) => row[index]);
    const type = sharedType(values);
    const data =
      type === 'STRING' &&
      !values.every((value) => value === null || value === undefined || typeof value === 'string')
        ? values.map((value) => (value === null || value === undefined ? null : jsonText(value)))
        : values.map((value) => (value === undefined ? null : value));
    return { name, data, type, nullable: true };
  });
  return new Uint8Array(parquetWriteBuffer({ columnData }));
}

function sharedType(values: readonly unknown[]): BasicType {
  const present = values.filter((value) => value !== null && value !== undefined);
  if (present.length === 0) return 'STRING';
  if (present.every((value) => typeof value === 'string')) return 'STRING';
  if (present.every((value) => typeof value === 'boolean')) return 'BOOLEAN';
  if (present.every((value) => typeof value === 'bigint')) return 'INT64';
  if (present.every((value) => value instanceof Date)) return 'TIMESTAMP';
  if (present.every((value) => typeof value === 'number' && Number.isFinite(value))) {
    const int32 = present.every(
      (value) => Number.isInteger(value) && (value as number) >= -(2 ** 31) && (value as number) < 2 ** 31,
    );
    return int32 ? 'INT32' : 'DOUBLE';
  }
  return 'STRING';
}

function jsonText(value: unknown): string {
  if (typeof value === 'string') return value;
  return (
    JSON.stringify(value, (_key, inner) => (typeof inner === 'bigint' ? inner.toString() : inner)) ??
    String(value)
  );
}
