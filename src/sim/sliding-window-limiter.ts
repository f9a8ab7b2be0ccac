export interface SlidingWindowLimits {
  /** Requests per window; undefined means no limit. */
  requests?: number;
  /** Tokens per window; undefined means no limit. */
  tokens?: number;
  /** @default 60_000 */
  windowMs?: number;
}

export type LimitDecision =
  | {
      allowed: true;
      remainingRequests: number | undefined;
      remainingTokens: number | undefined;
      /** Replaces the tokens counted for this request by what it really used, once known. */
      settle(tokens: number): void;
    }
  | { allowed: false; retryAfterMs: number; limit: 'requests' | 'tokens' };

/**
 * Requests-per-minute and tokens-per-minute limits over a sliding window, as providers enforce
 * them: a request is admitted when the requests and tokens admitted in the last `windowMs`, plus
 * this one, stay within the limits; otherwise the answer says how long until they would.
 */
export function createSlidingWindowLimiter(limits: SlidingWindowLimits, now: () => number = Date.now) {
  const windowMs = limits.windowMs ?? 60_000;
  const admitted: { at: number; tokens: number }[] = [];

  function prune(time: number): void {
    while (admitted.length > 0 && admitted[0]!.at <= time - windowMs) admitted.shift();
  }

  return {
    tryAdmit(tokens: number): LimitDecision {
      const time = now();
      prune(time);
      if (limits.requests !== undefined && admitted.length + 1 > limits.requests) {
        const oldest = admitted[admitted.length - limits.requests];
        return {
          allowed: false,
          retryAfterMs: Math.max(1, (oldest?.at ?? time) + windowMs - time),
          limit: 'requests',
        };
      }
      if (limits.tokens !== undefined) {
        let used = admitted.reduce((sum, entry) => sum + entry.tokens, 0);
        // A request larger than the whole budget passes alone in an empty window, or never would.
        if (used + tokens > limits.tokens && admitted.length > 0) {
          // Wait until enough of the oldest entries leave the window.
          let waitUntil = time;
          for (const entry of admitted) {
            if (used + tokens <= limits.tokens) break;
            used -= entry.tokens;
            waitUntil = entry.at + windowMs;
          }
          return { allowed: false, retryAfterMs: Math.max(1, waitUntil - time), limit: 'tokens' };
        }
      }
      const entry = { at: time, tokens };
      admitted.push(entry);
      const usedTokens = admitted.reduce((sum, entry) => sum + entry.tokens, 0);
      return {
        allowed: true,
        remainingRequests: limits.requests === undefined ? undefined : limits.requests - admitted.length,
        remainingTokens: limits.tokens === undefined ? undefined : Math.max(0, limits.tokens - usedTokens),
        settle(actual: number) {
          entry.tokens = actual;
        },
      };
    },
  };
}
