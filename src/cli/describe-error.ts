import {
  ApiCallError,
  BreakerError,
  fatalEndpointError,
  InputError,
  isAbortError,
  LockError,
  RetryError,
  StoreError,
} from '../spec/errors.js';
import { exitCodes } from './exit-codes.js';

/** What the command line prints for an error that ended a command, and the exit code it gives. */
export function describeError(error: unknown): { message: string; code: number } {
  if (InputError.isInstance(error)) return { message: `error: ${error.message}`, code: exitCodes.input };
  if (StoreError.isInstance(error)) return { message: `error: ${error.message}`, code: exitCodes.storage };
  if (LockError.isInstance(error)) return { message: `error: ${error.message}`, code: exitCodes.locked };
  if (isAbortError(error)) return { message: 'interrupted', code: exitCodes.interrupted };
  // The request ledger's breaker: its message names the failure, the count and how to resume.
  if (BreakerError.isInstance(error)) return { message: `error: ${error.message}`, code: exitCodes.provider };
  if (ApiCallError.isInstance(error) || RetryError.isInstance(error)) {
    const apiError = RetryError.isInstance(error) ? error.lastError : error;
    // The URL is redacted where the error was made; the key is never in the message.
    const url = ApiCallError.isInstance(apiError) && apiError.url ? ` at ${apiError.url}` : '';
    const cause = fatalEndpointError(error)
      ? `refused the run${describeStatus(apiError)}; the replies received are kept in the store, so the same command resumes once the endpoint is fixed`
      : 'failed';
    return {
      message: `error: the model endpoint${url} ${cause}: ${error.message}`,
      code: exitCodes.provider,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message: `internal error: ${message}`, code: exitCodes.internal };
}

function describeStatus(error: unknown): string {
  if (!ApiCallError.isInstance(error)) return '';
  switch (error.status) {
    case 401:
      return ' (401: the API key is missing or wrong)';
    case 403:
      return ' (403: the key may not use this model)';
    case 404:
      return ' (404: no such model or path)';
    case undefined:
      return ' (it cannot be reached)';
    default:
      return ` (${error.status})`;
  }
}
