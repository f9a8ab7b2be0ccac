import { APICallError } from '@ai-sdk/provider';
import {
  AbortError,
  ApiCallError,
  BatchPromptError,
  isAbortError,
  isFatalStatus,
  isRetryableStatus,
} from '../spec/errors.js';
import { redactSecrets } from './redact-secrets.js';
import { sanitizeHeaders } from './sanitize-headers.js';

export interface ModelErrorContext {
  /** The model URI, so that a message says which model failed. */
  modelId: string;
  /** The caller's signal: when it has fired, whatever the SDK threw is reported as an abort. */
  signal?: AbortSignal | undefined;
  /** Values to scrub from messages and headers (the API key). */
  secrets?: readonly string[];
}

/**
 * Turns whatever the AI SDK threw into one of our errors, with no credential in it.
 *
 * An AI SDK `APICallError` carries the request body, the raw response body and the URL; a server
 * may echo the key in any of them. So the `ApiCallError` we return keeps only the status, the
 * sanitized headers, a redacted URL and a redacted message, and does not keep the SDK error as
 * its `cause`. Retryability is decided by our own rule (`isRetryableStatus`), not the SDK's,
 * because the scheduler owns retries.
 */
const unreadableResponseErrors = new Set([
  'AI_JSONParseError',
  'AI_TypeValidationError',
  'AI_InvalidResponseDataError',
  'AI_EmptyResponseBodyError',
  'AI_NoContentGeneratedError',
]);

const unreachableCodes: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'no such host',
};

/**
 * `connection refused` or `no such host` when a network error says so, looking through the
 * causes fetch nests (undici wraps them; a host with several addresses gives an AggregateError).
 */
function unreachableCause(cause: unknown, depth = 0): string | undefined {
  if (typeof cause !== 'object' || cause === null || depth > 4) return undefined;
  const record = cause as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof record.code === 'string' && unreachableCodes[record.code] !== undefined)
    return `${unreachableCodes[record.code]}, ${record.code}`;
  if (Array.isArray(record.errors)) {
    for (const inner of record.errors) {
      const found = unreachableCause(inner, depth + 1);
      if (found) return found;
    }
  }
  return unreachableCause(record.cause, depth + 1);
}

export function toModelError(error: unknown, context: ModelErrorContext): BatchPromptError {
  const secrets = context.secrets ?? [];
  const redact = (text: string) => redactSecrets(text, secrets);

  // Checked first: after an abort the SDK may surface a DOMException, a TypeError or an
  // APICallError depending on where the request was when the signal fired.
  if (context.signal?.aborted === true) {
    return new AbortError(`${context.modelId}: the request was aborted`, { cause: context.signal.reason });
  }

  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    const reason = redact(error.message);
    const unreachable = status === undefined ? unreachableCause(error.cause) : undefined;
    const message =
      status === undefined
        ? `${context.modelId}: could not reach the API${unreachable ? ` (${unreachable})` : ''}: ${reason}`
        : `${context.modelId}: the API answered with status ${status}: ${reason}`;
    return new ApiCallError(message, {
      status,
      headers: sanitizeHeaders(error.responseHeaders, secrets),
      // A success status with a body that could not be read is a transport glitch, not a refusal.
      isRetryable: isRetryableStatus(status) || (status !== undefined && status >= 200 && status < 300),
      // Nothing listens there, or the host does not exist: every other call would fail alike.
      isFatal: isFatalStatus(status) || unreachable !== undefined,
      url: redact(error.url),
    });
  }

  // The reply arrived but could not be read (cut or garbled JSON, a missing field): another try of
  // the same request usually succeeds, and a retry keeps the batch whole.
  if (error instanceof Error && unreadableResponseErrors.has(error.name)) {
    return new ApiCallError(
      `${context.modelId}: the API's reply could not be read: ${redact(error.message).slice(0, 300)}`,
      {
        isRetryable: true,
      },
    );
  }

  // An abort that our caller did not ask for is a transport timeout: worth another try.
  if (isAbortError(error)) {
    return new ApiCallError(`${context.modelId}: the request timed out`, { isRetryable: true });
  }

  if (BatchPromptError.isInstance(error)) return error;

  const reason = error instanceof Error ? error.message : String(error);
  return new BatchPromptError(`${context.modelId}: ${redact(reason)}`, { cause: error });
}
