/** The line and column a JSON.parse error names by offset (`... at position 42`), where it does. */
export function jsonErrorPosition(text: string, error: unknown): { line?: number; column?: number } {
  const offset = /position (\d+)/.exec((error as Error).message)?.[1];
  if (offset === undefined) return {};
  const before = text.slice(0, Number(offset)).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}
