import { APICallError } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { AbortError, ApiCallError, BatchPromptError, InputError } from '../spec/errors.js';
import { toModelError } from './to-model-error.js';

const modelId = 'openai:gpt-4o-mini';

describe('toModelError', () => {
  it('keeps status and headers of an APICallError, redacts the URL, and drops the SDK error', () => {
    const sdkError = new APICallError({
      message: 'Bad key sk-live-abcdefghijkl',
      url: 'https://example.test/v1beta/models/m:generateContent?key=AIzaSecretValue&alt=json',
      requestBodyValues: { messages: [] },
      statusCode: 403,
      responseHeaders: { 'Retry-After': '5', 'x-api-key': 'leaked' },
      responseBody: '{"error": "sk-live-abcdefghijkl"}',
      isRetryable: true,
    });
    const error = toModelError(sdkError, { modelId, secrets: ['AIzaSecretValue'] });
    expect(ApiCallError.isInstance(error)).toBe(true);
    const apiError = error as ApiCallError;
    expect(apiError.status).toBe(403);
    // Our rule, not the SDK's: 403 is not worth another try.
    expect(apiError.isRetryable).toBe(false);
    expect(apiError.headers).toEqual({ 'retry-after': '5' });
    expect(apiError.url).toBe('https://example.test/v1beta/models/m:generateContent?key=[redacted]&alt=json');
    expect(apiError.message).toBe(`${modelId}: the API answered with status 403: Bad key [redacted]`);
    expect(apiError.cause).toBeUndefined();
    // A 403 refuses every call alike: the run stops.
    expect(apiError.isFatal).toBe(true);
  });

  it('marks a refused connection fatal and not retryable, whatever the SDK says, and a 503 neither', () => {
    // What the AI SDK makes of undici's `fetch failed` for a closed port on a dual-stack host.
    const refused = Object.assign(new AggregateError([], 'connect ECONNREFUSED 127.0.0.1:9'), {
      code: 'ECONNREFUSED',
    });
    const sdkError = new APICallError({
      message: 'Cannot connect to API: connect ECONNREFUSED 127.0.0.1:9',
      url: 'http://127.0.0.1:9/v1/chat/completions',
      requestBodyValues: {},
      cause: refused,
      isRetryable: true,
    });
    const error = toModelError(sdkError, { modelId }) as ApiCallError;
    expect(error.isFatal).toBe(true);
    expect(error.isRetryable).toBe(false);
    expect(error.message).toBe(
      `${modelId}: could not reach the API (connection refused, ECONNREFUSED): Cannot connect to API: connect ECONNREFUSED 127.0.0.1:9`,
    );
    const reset = new APICallError({
      message: 'Cannot connect to API: socket hang up',
      url: 'http://127.0.0.1:9/v1/chat/completions',
      requestBodyValues: {},
      cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    });
    expect(toModelError(reset, { modelId })).toMatchObject({ isFatal: false, isRetryable: true });
    const overloaded = new APICallError({
      message: 'busy',
      url: 'u',
      requestBodyValues: {},
      statusCode: 503,
    });
    expect(toModelError(overloaded, { modelId })).toMatchObject({ isFatal: false, isRetryable: true });
  });

  it('treats a success status with an unreadable body, and an unparseable reply, as worth another try', () => {
    const garbled = new APICallError({
      message: 'Invalid JSON response',
      url: 'http://127.0.0.1:1/v1/chat/completions',
      requestBodyValues: {},
      statusCode: 200,
      responseBody: '{"choices": [',
    });
    expect((toModelError(garbled, { modelId }) as ApiCallError).isRetryable).toBe(true);
    const parseFailure = Object.assign(new Error('JSON parsing failed'), { name: 'AI_JSONParseError' });
    const mapped = toModelError(parseFailure, { modelId });
    expect(ApiCallError.isInstance(mapped)).toBe(true);
    expect((mapped as ApiCallError).isRetryable).toBe(true);
  });

  it('reports an abort when the caller signal has fired, whatever was thrown', () => {
    const controller = new AbortController();
    controller.abort(new Error('user pressed Ctrl-C'));
    const error = toModelError(new TypeError('terminated'), { modelId, signal: controller.signal });
    expect(AbortError.isInstance(error)).toBe(true);
    expect((error.cause as Error).message).toBe('user pressed Ctrl-C');
  });

  it('treats an abort the caller did not ask for as a retryable timeout', () => {
    const timeout = new DOMException('The operation timed out', 'TimeoutError');
    const error = toModelError(timeout, { modelId, signal: new AbortController().signal });
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect((error as ApiCallError).isRetryable).toBe(true);
  });

  it('passes our own errors through and wraps others with their cause', () => {
    const ours = new InputError('bad');
    expect(toModelError(ours, { modelId })).toBe(ours);
    const foreign = new Error('Invalid JSON response from sk-proj-abcdefghijkl');
    const wrapped = toModelError(foreign, { modelId });
    expect(BatchPromptError.isInstance(wrapped)).toBe(true);
    expect(wrapped.message).toBe(`${modelId}: Invalid JSON response from [redacted]`);
    expect(wrapped.cause).toBe(foreign);
  });
});
