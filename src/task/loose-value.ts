/*
 * A task definition's cross-key checks run even where keys failed to parse, so that a file's every
 * problem is reported at once: they read the value as it came, through these.
 */

export function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
