/**
 * Reads a rendered batch back into its items: the inverse of `renderItems`. The simulated model
 * uses it to see exactly what a real model would see, with no side channel.
 */
export interface RenderedEntry {
  index: number;
  tag: string;
  fields: Record<string, string>;
}

const headerPattern = /^Input (\d+) \(([^)\s]+)\)$/;
const fieldPattern = /^([A-Za-z_][A-Za-z0-9_]*): ?(.*)$/;

export function readRenderedBatch(text: string): RenderedEntry[] {
  const entries: RenderedEntry[] = [];
  let current: RenderedEntry | undefined;
  for (const line of text.split('\n')) {
    // An item's fields follow its header without a break: text after a blank line (a re-ask's
    // reminder) belongs to no item.
    if (line.length === 0) {
      current = undefined;
      continue;
    }
    const header = headerPattern.exec(line);
    if (header) {
      current = { index: Number(header[1]), tag: header[2] ?? '', fields: {} };
      entries.push(current);
      continue;
    }
    const field = fieldPattern.exec(line);
    if (field && current) current.fields[field[1] ?? ''] = field[2] ?? '';
  }
  return entries;
}
