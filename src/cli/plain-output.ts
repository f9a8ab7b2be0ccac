/**
 * Whether standard output takes no colour codes: it is not a terminal (a file, a pipe, a CI log),
 * or the user set NO_COLOR (https://no-color.org: any non-empty value).
 */
export function plainOutput(stream: { isTTY?: boolean } = process.stdout): boolean {
  return stream.isTTY !== true || (process.env.NO_COLOR ?? '') !== '';
}

/** cli-table3 options for a table on standard output: no colour codes where `plainOutput` says so. */
export function tableStyle(): { style?: { head: string[]; border: string[] } } {
  return plainOutput() ? { style: { head: [], border: [] } } : {};
}
