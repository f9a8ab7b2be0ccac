import type { ServiceTierName } from '../spec/chat-model.js';

/** What `--service-tier` asks for: `auto` tries flex and falls back to standard. */
export type ServiceTierMode = 'flex' | 'standard' | 'auto';

/** How a call asked to run in flex meets the provider's refusals. */
export interface ServiceTierPolicy {
  /** `flex`: flex only, waiting while it refuses; `auto`: flex, then standard once it refuses. */
  mode: 'flex' | 'auto';
  /** Refusals of one call in a row before the choice: fall back (`auto`) or wait (`flex`). */
  refusalsBeforeChoice: number;
  /** The pause after a call's first refusal; each further one doubles it, up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
  /** With `flex`: the pause after `refusalsBeforeChoice` refusals in a row, before flex is asked again. */
  waitMs: number;
}

/** Flex usually answers within a few tries; past three, the capacity is gone for a while. */
export const defaultServiceTierPolicy: Omit<ServiceTierPolicy, 'mode'> = {
  refusalsBeforeChoice: 3,
  backoffMs: 1000,
  maxBackoffMs: 30_000,
  waitMs: 60_000,
};

/**
 * The next attempt of a call after it was refused `refusals` times in a row in flex: the tier to
 * ask, after how long, and why. A refusal never ends a call: every step sends it again, in flex or
 * (under `auto`, once the refusals reach the bound) in standard, so no item is lost to flex.
 */
export interface TierStep {
  tier: ServiceTierName;
  afterMs: number;
  reason: 'first' | 'backoff' | 'fallback' | 'wait';
}

export function nextTierStep(policy: ServiceTierPolicy, refusals: number, retryAfterMs = 0): TierStep {
  if (refusals === 0) return { tier: 'flex', afterMs: 0, reason: 'first' };
  const inCycle = refusals % policy.refusalsBeforeChoice;
  if (inCycle !== 0) {
    const backoff = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (inCycle - 1));
    return { tier: 'flex', afterMs: Math.max(backoff, retryAfterMs), reason: 'backoff' };
  }
  // The standard call waits only for what the scheduler holds every call back for.
  if (policy.mode === 'auto') return { tier: 'standard', afterMs: 0, reason: 'fallback' };
  // The server's own retry-after still holds when it asks for more than the wait.
  return { tier: 'flex', afterMs: Math.max(policy.waitMs, retryAfterMs), reason: 'wait' };
}
