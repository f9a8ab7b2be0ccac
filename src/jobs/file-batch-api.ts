import type { GenerateRequest } from '../spec/chat-model.js';
import type { BatchEntry, ProviderOutcome } from './batch-provider.js';
import { callBatchEndpoint } from './to-job-error.js';

/*
 * What the batch APIs that take their requests as an uploaded file (OpenAI's, Gemini's) share:
 * results that come back as JSONL, one line per request named by its custom id, and a job found
 * again by its mark in the provider's list.
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

/**
 * What a file-based provider keeps while this process runs: its endpoint calls, whose failures
 * `callBatchEndpoint` words, and the requests it submitted by custom id, so that a result whose
 * usage is missing is counted locally over its request's messages.
 */
export function createFileBatchSession(secrets: readonly string[]) {
  const submitted = new Map<string, BatchEntry>();
  return {
    call<T>(doing: string, request: () => Promise<T>): Promise<T> {
      return callBatchEndpoint(doing, secrets, request);
    },
    remember(entries: readonly BatchEntry[]): void {
      for (const entry of entries) submitted.set(entry.customId, entry);
    },
    /**
     * The outcomes of a results file: one per line whose custom id (`customIdOf`) is a string,
     * read by `outcomeOf` with its request: the caller's (`requestSent`, the batch model's waiting
     * calls) or the one this process submitted; none for a request neither knows.
     */
    outcomesOf<Line>(
      lines: readonly Line[],
      customIdOf: (line: Line) => unknown,
      outcomeOf: (line: Line, customId: string, request: GenerateRequest | undefined) => ProviderOutcome,
      requestSent?: (customId: string) => GenerateRequest | undefined,
    ): ProviderOutcome[] {
      return lines.flatMap((line) => {
        const customId = customIdOf(line);
        if (typeof customId !== 'string') return [];
        return [outcomeOf(line, customId, requestSent?.(customId) ?? submitted.get(customId)?.request)];
      });
    },
  };
}
