/**
 * JSON with object keys sorted at every depth, so that two values that mean the same thing give the
 * same string (and the same hash) whatever order their keys were written in. Arrays keep their
 * order: the order of messages is part of what a request means.
 *
 * Follows `JSON.stringify` otherwise: `undefined`, functions and symbols are left out of objects and
 * become `null` in arrays; `toJSON` (dates) is honoured.
 */
export function canonicalJson(value: unknown): string {
  return writeValue(value) ?? 'null';
}

function writeValue(value: unknown): string | undefined {
  let plain = value;
  if (
    plain !== null &&
    typeof plain === 'object' &&
    typeof (plain as { toJSON?: unknown }).toJSON === 'function'
  ) {
    plain = (plain as { toJSON: () => unknown }).toJSON();
  }
  if (plain === null || typeof plain !== 'object') return JSON.stringify(plain);
  if (Array.isArray(plain)) return `[${plain.map((element) => writeValue(element) ?? 'null').join(',')}]`;
  const record = plain as Record<string, unknown>;
  const parts: string[] = [];
  // Built as a string rather than as a re-ordered object so that a key named `__proto__` is kept.
  for (const key of Object.keys(record).sort()) {
    const written = writeValue(record[key]);
    if (written !== undefined) parts.push(`${JSON.stringify(key)}:${written}`);
  }
  return `{${parts.join(',')}}`;
}
