import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import { describe, expect, it } from 'vitest';
import { outcomeOf } from './anthropic-batch-provider.js';

/** A result line of a job whose request failed with Anthropic's error `type`. */
function erroredLine(type: string): MessageBatchIndividualResponse {
  return {
    custom_id: 'c1',
    result: { type: 'errored', error: { type: 'error', error: { type, message: `${type} happened` } } },
  } as unknown as MessageBatchIndividualResponse;
}

describe('a failed request of an Anthropic batch job', () => {
  it('keeps the HTTP status its error type stands for, and may be sent again where that status would be online', () => {
    const cases: [type: string, status: number | undefined, retryable: boolean][] = [
      ['invalid_request_error', 400, false],
      ['authentication_error', 401, false],
      ['permission_error', 403, false],
      ['not_found_error', 404, false],
      ['request_too_large', 413, false],
      ['rate_limit_error', 429, true],
      ['api_error', 500, true],
      ['timeout_error', 504, true],
      ['overloaded_error', 529, true],
      // A type the table does not know: no status is made up, and it is not sent again.
      ['some_new_error', undefined, false],
    ];
    for (const [type, status, retryable] of cases) {
      const outcome = outcomeOf(erroredLine(type), () => undefined);
      expect(outcome, type).toMatchObject({ customId: 'c1', state: 'errored', retryable });
      expect(outcome.error, type).toBe(`${type}: ${type} happened`);
      expect('status' in outcome ? outcome.status : undefined, type).toBe(status);
    }
  });
});
