import { AbortError } from '../spec/errors.js';

/**
 * Resolves after `ms` milliseconds; rejects with an `AbortError` as soon as `signal` aborts.
 *
 * The abort listener is removed once the delay settles either way, so that thousands of backoffs
 * on one long-lived run signal leave nothing behind on it.
 */
export async function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
  if (ms <= 0) return;

  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(resolve, ms);
      if (signal !== undefined) {
        onAbort = () => reject(new AbortError(undefined, { cause: signal.reason }));
        signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
  }
}
