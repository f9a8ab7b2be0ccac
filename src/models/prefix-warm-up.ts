/**
 * A provider's prompt cache holds a prefix only once a call that sent it has been answered: calls
 * sent together before then all pay for it in full (and, on Anthropic, each writes it at 1.25x).
 * So the first call of each prefix goes alone, and the calls that share its prefix wait for it to
 * end (answered or failed) before they go, together, and read the cache. A run has a few prefixes
 * (with and without worked examples), so this costs the latency of a few calls.
 */
export function createPrefixWarmUp() {
  /** Prefix digest to the end of the first call that sent it. */
  const firstCalls = new Map<string, Promise<void>>();

  return async function warmUp<T>(
    prefix: string | undefined,
    signal: AbortSignal | undefined,
    call: () => Promise<T>,
  ): Promise<T> {
    if (prefix === undefined) return call();
    const first = firstCalls.get(prefix);
    if (first !== undefined) {
      await untilAborted(first, signal);
      return call();
    }
    let ended!: () => void;
    firstCalls.set(
      prefix,
      new Promise<void>((resolve) => {
        ended = resolve;
      }),
    );
    try {
      return await call();
    } finally {
      ended();
    }
  };
}

/** Waits for `promise`, or less if `signal` aborts first (the call then fails with its abort). */
function untilAborted(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const stop = () => resolve();
    signal.addEventListener('abort', stop, { once: true });
    void promise.then(() => {
      signal.removeEventListener('abort', stop);
      resolve();
    });
  });
}
