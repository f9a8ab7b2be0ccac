/**
 * How the simulated model lays out its reply. `ours` is the asked format; the others are layouts
 * real models write instead, each answering every item truthfully: the parser must read each one
 * (every index and the batch code are there) or attribute nothing, never shift an answer.
 * - `one-based`: every index written one higher, 1..N;
 * - `numbered-list`: a markdown numbered list around our lines (`1. 0 (code): yes sure`);
 * - `upper-code`: the batch code in capitals;
 * - `code-column`: a markdown table with the code in a column of its own;
 * - `answer-next-line`: `Input k (code)`, then `Answer: ...` on the next line;
 * - `json-keyed`: a JSON object keyed by index, `{"answers": {"0 (code)": "yes sure"}}`.
 * Layouts other than `ours`, `one-based` and `upper-code` are written the same in both formats
 * (a model that answers in its own way whatever was asked). Replies with worked solutions keep
 * `ours`.
 */
export const simReplyLayouts = [
  'ours',
  'one-based',
  'numbered-list',
  'upper-code',
  'code-column',
  'answer-next-line',
  'json-keyed',
] as const;
export type SimReplyLayout = (typeof simReplyLayouts)[number];

export function isSimReplyLayout(value: unknown): value is SimReplyLayout {
  return typeof value === 'string' && (simReplyLayouts as readonly string[]).includes(value);
}
