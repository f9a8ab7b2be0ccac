import { redactSecrets } from '../models/redact-secrets.js';
import { AbortError, ApiCallError, BatchPromptError } from '../spec/errors.js';

/**
 * A failure of a batch endpoint (upload, create, retrieve, download) as an `ApiCallError` whose
 * message names what was being done and holds no key: SDK errors may quote request details.
 */
export function toJobError(error: unknown, doing: string, secrets: readonly string[]): BatchPromptError {
  if (BatchPromptError.isInstance(error)) return error;
  const raw = error as { status?: unknown; message?: unknown; name?: unknown };
  if (raw.name === 'AbortError' || raw.name === 'APIUserAbortError') {
    return new AbortError(`${doing}: aborted`);
  }
  const status = typeof raw.status === 'number' ? raw.status : undefined;
  const message = redactSecrets(typeof raw.message === 'string' ? raw.message : String(error), secrets);
  return new ApiCallError(`${doing} failed${status === undefined ? '' : ` (HTTP ${status})`}: ${message}`, {
    ...(status === undefined ? {} : { status }),
  });
}

/** Makes one call to a batch endpoint; its failure is thrown as `toJobError` words it. */
export async function callBatchEndpoint<T>(
  doing: string,
  secrets: readonly string[],
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toJobError(error, doing, secrets);
  }
}
