import type { ReplyIssue } from '../parse/parse-reply.js';
import type { OutputFormat } from '../prompt/render-batch.js';
import { ApiCallError, fatalEndpointError, InputError, RetryError } from '../spec/errors.js';

export interface ReaskInput {
  /** Items of the batch just asked. */
  batchSize: number;
  /** How many of them got no usable answer. */
  missing: number;
  /** The format the batch was just asked in. */
  format: OutputFormat;
  /** Why the reply left items without an answer, as the parser named it. */
  issue: ReplyIssue | undefined;
  /** True when the reply was cut off at the output limit. */
  truncated: boolean;
  /** The attempt just made: 0 for the first ask of a round. */
  attempt: number;
  maxReasks: number;
  /** Whether the model takes a JSON schema, so the items may be asked in JSON instead. */
  supportsJsonSchema: boolean;
}

export interface ReaskPlan {
  /** Ask the items without an answer in this many batches: 2 splits them in halves. */
  parts: 1 | 2;
  format: OutputFormat;
  /**
   * What went wrong, in words the model is shown in the re-ask (`Your last reply ...`), so the
   * next prompt names the convention that failed and is never the one that just failed.
   */
  reason: string;
  /**
   * True for the whole re-ask after a numbering fault: it comes on top of `maxReasks`, so the
   * halves that follow if it fails too get every attempt they had before it existed.
   */
  extraAttempt: boolean;
}

function describeIssue(issue: ReplyIssue | undefined, truncated: boolean): string {
  if (truncated) return 'was cut off before it answered every input';
  switch (issue?.kind) {
    case 'no-answers':
      return 'held no answer in the format asked for';
    case 'foreign-code':
      return 'carried a batch code other than the one in the input headers';
    case 'no-code':
      return 'left out the batch code';
    case 'mixed-formats':
      return 'mixed JSON entries and answer lines';
    case 'numbering-from-1':
      return 'numbered the inputs from 1, but they are numbered from 0';
    case 'numbering-out-of-range':
      return 'used input numbers that are not in the batch';
    case 'numbering-gap':
      return 'skipped an input';
    case 'repeated':
      return 'answered some inputs more than once';
    case 'unreadable':
      return 'gave answers that are not one of the allowed answers';
    default:
      return 'left out some inputs';
  }
}

/**
 * Issues of a reply that answered its items but numbered them so that no answer can be tied to
 * its item: the model kept up with the batch and broke one convention, which the re-ask names.
 */
const numberingIssues: ReadonlySet<ReplyIssue['kind']> = new Set([
  'numbering-from-1',
  'numbering-out-of-range',
  'numbering-gap',
  'repeated',
]);

/**
 * How the next attempt at the items of a reply without their answers differs from the one that
 * just failed, or undefined when the attempts are used up. The re-ask always names what went
 * wrong. A reply that was cut off, or answered none of its items, is split in halves: the batch
 * may be too long for the model. The one exception is the first re-ask after a numbering fault
 * (an extra index, a gap, a repeat, counting from 1): it is asked again whole, since halves would
 * pay the shared prompt twice for a fault that naming it is meant to cure; if that re-ask fails
 * too, it is split, with as many attempts left as it would have had without the whole re-ask
 * (`extraAttempt`). A single item that still got no usable answer is asked in the other format,
 * when the model has it.
 */
export function reaskPlan(input: ReaskInput): ReaskPlan | undefined {
  if (input.missing === 0 || input.attempt >= input.maxReasks) return undefined;
  const nothingUsable = input.missing === input.batchSize;
  const numberingFault =
    input.attempt === 0 && input.issue !== undefined && numberingIssues.has(input.issue.kind);
  const split = input.missing > 1 && (input.truncated || nothingUsable);
  const parts = split && !(numberingFault && !input.truncated) ? 2 : 1;
  const otherFormat: OutputFormat = input.format === 'json' ? 'lines' : 'json';
  const switchFormat =
    nothingUsable && input.missing === 1 && (otherFormat === 'lines' || input.supportsJsonSchema);
  return {
    parts,
    format: switchFormat ? otherFormat : input.format,
    reason: describeIssue(input.issue, input.truncated),
    extraAttempt: split && parts === 1,
  };
}

export interface FailedCallInput {
  /** What the call threw, after the scheduler's own retries. */
  error: unknown;
  batchSize: number;
  attempt: number;
  maxReasks: number;
}

/**
 * What to do after a call failed outright (no reply at all), read off the error:
 * - `stop`: the endpoint refuses the whole run (a bad key, no permission, no such model, nothing
 *   listening) or says its input is wrong; no re-ask can help, so the run ends with that error.
 * - `split`: the request may have been too large or too slow (400, 408, 413, 422, or a network
 *   error without a status, which is how timeouts arrive); halves may pass.
 * - `again`: the endpoint was overloaded or rate-limited past the retries (429, 5xx); smaller
 *   calls would only add calls under the same limit, so the batch is asked once more whole.
 * - `record`: attempts are used up, or one item failed for a reason size does not explain; its
 *   items are recorded as failed with the reason.
 */
export type FailedCallAction = 'stop' | 'split' | 'again' | 'record';

/**
 * The error behind a failed call: the last attempt's when the scheduler wrapped its attempts in a
 * `RetryError`, else the error itself (the scheduler rethrows an error it did not retry as is).
 */
export function failureCause(error: unknown): unknown {
  return RetryError.isInstance(error) ? error.lastError : error;
}

export function failedCallPlan(input: FailedCallInput): FailedCallAction {
  // A call the scheduler gave up retrying holds its attempts' errors; the last one says why.
  const cause = failureCause(input.error);
  if (fatalEndpointError(cause) || InputError.isInstance(cause)) return 'stop';
  if (input.attempt >= input.maxReasks) return 'record';
  const status = ApiCallError.isInstance(cause) ? cause.status : undefined;
  if (status === 429 || (status !== undefined && status >= 500)) return 'again';
  if (input.batchSize > 1) return 'split';
  return 'record';
}
