/*
 * What the batch APIs that take their requests as an uploaded file (OpenAI's, Gemini's) share:
 * results that come back as JSONL, and a job found again by its mark in the provider's list.
 */

/** The values of a JSONL text, one a line; blank lines are skipped. Throws on a line that is not JSON. */
export function parseJsonLines<Line>(text: string): Line[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Line);
}

/** How far down a newest-first listing a job cut off mid-submission is looked for: it is recent. */
const recentBatches = 500;

/** The first batch of a newest-first listing that `isTheJob` picks, among the most recent ones. */
export async function findRecentBatch<Batch>(
  newestFirst: AsyncIterable<Batch>,
  isTheJob: (batch: Batch) => boolean,
): Promise<Batch | undefined> {
  let looked = 0;
  for await (const batch of newestFirst) {
    if (isTheJob(batch)) return batch;
    looked += 1;
    if (looked >= recentBatches) break;
  }
  return undefined;
}
