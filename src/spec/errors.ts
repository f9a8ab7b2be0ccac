/**
 * The error classes of batchprompt. Each class is marked with a `Symbol.for` brand so that
 * `isInstance` checks work across duplicate copies of the package in one process.
 */

import type { Usage } from './chat-model.js';

const baseMarker = Symbol.for('batchprompt.error');

export class BatchPromptError extends Error {
  readonly [baseMarker] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BatchPromptError';
  }

  static isInstance(error: unknown): error is BatchPromptError {
    return (
      typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[baseMarker] === true
    );
  }
}

function brandCheck(marker: symbol) {
  return (error: unknown): boolean =>
    typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
}

const apiCallMarker = Symbol.for('batchprompt.error.api-call');

export interface ApiCallErrorOptions {
  status?: number;
  headers?: Record<string, string>;
  isRetryable?: boolean;
  isFatal?: boolean;
  url?: string;
  cause?: unknown;
  billedUsage?: Usage;
}

/** A model endpoint answered with an error status, or could not be reached. */
export class ApiCallError extends BatchPromptError {
  readonly [apiCallMarker] = true;
  readonly status: number | undefined;
  readonly headers: Record<string, string>;
  readonly isRetryable: boolean;
  /**
   * The endpoint refuses the whole run, not this one request: a bad or missing key (401), no
   * permission (403), no such model or path (404), or nothing listening at the address. No retry,
   * re-ask or smaller batch can help, so the run stops.
   */
  readonly isFatal: boolean;
  readonly url: string | undefined;
  /**
   * The tokens the request was billed for although it failed: the server answered with a success
   * status and a body that could not be used (cut, garbled, too large), counted locally.
   * Undefined when nothing was billed (an error status, no connection).
   */
  readonly billedUsage: Usage | undefined;

  constructor(message: string, options: ApiCallErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'ApiCallError';
    this.status = options.status;
    this.headers = options.headers ?? {};
    this.url = options.url;
    this.isFatal = options.isFatal ?? isFatalStatus(options.status);
    this.isRetryable = !this.isFatal && (options.isRetryable ?? isRetryableStatus(options.status));
    this.billedUsage = options.billedUsage;
  }

  /** The same error, billed for `usage`. */
  withBilledUsage(usage: Usage): ApiCallError {
    const copy = new ApiCallError(this.message, {
      ...(this.status === undefined ? {} : { status: this.status }),
      headers: this.headers,
      isRetryable: this.isRetryable,
      isFatal: this.isFatal,
      ...(this.url === undefined ? {} : { url: this.url }),
      cause: this.cause,
      billedUsage: usage,
    });
    copy.stack = this.stack;
    return copy;
  }

  static override isInstance(error: unknown): error is ApiCallError {
    return brandCheck(apiCallMarker)(error);
  }
}

const breakerMarker = Symbol.for('batchprompt.error.breaker');

/**
 * The run stopped because its last requests all failed the same way, or were all answered with no
 * answer that could be read (the request ledger's breaker): fatal, so that no retry, split or re-ask follows. The message names the failure and
 * the count.
 */
export class BreakerError extends ApiCallError {
  readonly [breakerMarker] = true;

  constructor(message: string, options: Omit<ApiCallErrorOptions, 'isFatal' | 'isRetryable'> = {}) {
    super(message, { ...options, isFatal: true });
    this.name = 'BreakerError';
  }

  static override isInstance(error: unknown): error is BreakerError {
    return brandCheck(breakerMarker)(error);
  }
}

/** Statuses worth another try: timeouts, conflicts, rate limits and server errors. */
export function isRetryableStatus(status: number | undefined): boolean {
  if (status === undefined) return true; // network error: no status at all
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Statuses that refuse every request of the run alike: the key, the permission, the model. */
export function isFatalStatus(status: number | undefined): boolean {
  return status === 401 || status === 403 || status === 404;
}

/**
 * The endpoint error that should stop a run: an `ApiCallError` marked fatal, as thrown or as the
 * last error of a `RetryError`.
 */
export function fatalEndpointError(error: unknown): ApiCallError | undefined {
  const candidate = RetryError.isInstance(error) ? error.lastError : error;
  return ApiCallError.isInstance(candidate) && candidate.isFatal ? candidate : undefined;
}

const retryMarker = Symbol.for('batchprompt.error.retry');

export type RetryErrorReason = 'maxRetriesExceeded' | 'errorNotRetryable' | 'aborted';

/**
 * A call was retried until its retries ran out (reason `maxRetriesExceeded`): `errors` holds every
 * attempt's error, `lastError` the final one. The scheduler throws an error it does not retry as
 * it is, so a 401 or a bad request never arrives wrapped in this.
 */
export class RetryError extends BatchPromptError {
  readonly [retryMarker] = true;
  readonly reason: RetryErrorReason;
  readonly errors: unknown[];
  readonly lastError: unknown;

  constructor(message: string, options: { reason: RetryErrorReason; errors: unknown[] }) {
    super(message, { cause: options.errors.at(-1) });
    this.name = 'RetryError';
    this.reason = options.reason;
    this.errors = options.errors;
    this.lastError = options.errors.at(-1);
  }

  static override isInstance(error: unknown): error is RetryError {
    return brandCheck(retryMarker)(error);
  }
}

const parseMarker = Symbol.for('batchprompt.error.parse');

/** A reply could not be read at all (per-item problems are reported in results, not thrown). */
export class ParseError extends BatchPromptError {
  readonly [parseMarker] = true;
  readonly text: string;
  readonly finishReason: string | undefined;
  readonly itemIds: string[];

  constructor(
    message: string,
    options: { text: string; finishReason?: string; itemIds?: string[]; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = 'ParseError';
    this.text = options.text;
    this.finishReason = options.finishReason;
    this.itemIds = options.itemIds ?? [];
  }

  static override isInstance(error: unknown): error is ParseError {
    return brandCheck(parseMarker)(error);
  }
}

const inputMarker = Symbol.for('batchprompt.error.input');

/** Bad input: a data file, a task file or an option. Names the file, line and field where known. */
export class InputError extends BatchPromptError {
  readonly [inputMarker] = true;
  readonly file: string | undefined;
  readonly line: number | undefined;
  /** 1-based, where it is known (task files). */
  readonly column: number | undefined;
  readonly field: string | undefined;

  constructor(
    message: string,
    options: { file?: string; line?: number; column?: number; field?: string; cause?: unknown } = {},
  ) {
    const where = [
      options.file,
      options.line === undefined ? undefined : `line ${options.line}`,
      options.line === undefined || options.column === undefined ? undefined : `column ${options.column}`,
      options.field === undefined ? undefined : `field \`${options.field}\``,
    ]
      .filter((part) => part !== undefined)
      .join(', ');
    super(where ? `${where}: ${message}` : message, { cause: options.cause });
    this.name = 'InputError';
    this.file = options.file;
    this.line = options.line;
    this.column = options.column;
    this.field = options.field;
  }

  static override isInstance(error: unknown): error is InputError {
    return brandCheck(inputMarker)(error);
  }
}

const abortMarker = Symbol.for('batchprompt.error.abort');

/** The caller aborted the run (Ctrl-C or an AbortSignal). Never retried. */
export class AbortError extends BatchPromptError {
  readonly [abortMarker] = true;

  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }

  static override isInstance(error: unknown): error is AbortError {
    return brandCheck(abortMarker)(error);
  }
}

/** True for our AbortError and for the DOM-style AbortError that fetch and timers throw. */
export function isAbortError(error: unknown): boolean {
  if (AbortError.isInstance(error)) return true;
  return (
    error instanceof Error &&
    (error.name === 'AbortError' || error.name === 'TimeoutError') &&
    !ApiCallError.isInstance(error)
  );
}

const storeMarker = Symbol.for('batchprompt.error.store');

/**
 * The store (response cache and run journal) cannot be read or written: disk full, read-only,
 * locked past the busy timeout, or damaged. Stops the run: a reply that cannot be stored is a
 * reply that would be paid for again, so no further call is made. Names the path.
 */
export class StoreError extends BatchPromptError {
  readonly [storeMarker] = true;
  readonly path: string;

  constructor(message: string, options: { path: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'StoreError';
    this.path = options.path;
  }

  static override isInstance(error: unknown): error is StoreError {
    return brandCheck(storeMarker)(error);
  }
}

const lockMarker = Symbol.for('batchprompt.error.lock');

/** Another live process holds the run or the results file this command needs. Names the process. */
export class LockError extends BatchPromptError {
  readonly [lockMarker] = true;
  readonly path: string;

  constructor(message: string, options: { path: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'LockError';
    this.path = options.path;
  }

  static override isInstance(error: unknown): error is LockError {
    return brandCheck(lockMarker)(error);
  }
}
