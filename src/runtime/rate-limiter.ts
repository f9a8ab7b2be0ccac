import { delay } from './delay.js';

export interface RateLimiterOptions {
  /** Requests allowed per minute. @default undefined (unlimited) */
  requestsPerMinute?: number;
  /** Tokens (input + output) allowed per minute. @default undefined (unlimited) */
  tokensPerMinute?: number;
  /**
   * Fraction of each limit held back, as a burst allowance and as slack for network jitter. The
   * limiter sustains `(1 - headroom) x limit` per minute and allows a burst of `headroom x limit`,
   * so that no 60 s window holds more than the limit (see the class comment).
   * @default 0.05
   */
  headroom?: number;
  /** Clock in milliseconds. @default Date.now */
  now?: () => number;
  /** Cancellable sleep in milliseconds. @default delay */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** A place in the limiter's schedule, returned by `reserve` and `acquire`. */
export interface RateLimitReservation {
  /** When the request may be sent, on the limiter's clock in milliseconds. */
  readonly startAt: number;
  /** Tokens debited for it: the estimate until `settle` corrects it. */
  readonly estimatedTokens: number;
}

/**
 * Requests-per-minute and tokens-per-minute limiting with two token buckets.
 *
 * Each bucket refills continuously at `(1 - headroom) x limit` per minute up to a capacity of
 * `headroom x limit` (at least one request, or one token). Requests are admitted first in, first
 * out: a request starts when both buckets hold what it needs, and is then debited. Over any 60 s
 * window a bucket lets through at most its capacity plus a minute's refill, which is the limit, so
 * a server counting over a sliding minute sees at most the limit while the client sustains 95% of
 * it by default.
 *
 * Tokens are debited with the caller's estimate before the call and corrected by `settle` with the
 * reported usage afterwards: a refund when the reply was shorter than budgeted, an extra debit when
 * it was longer (the bucket may then go below zero, and later requests wait for it to recover).
 *
 * A request needing more tokens than the whole bucket holds would wait forever under a strict rule.
 * Instead it waits for a full bucket, goes, and leaves the bucket in debt by the excess: the long-run
 * rate stays right, and later requests repay the debt by waiting. Over a window holding such a
 * request the server may see up to that request's size plus a minute's refill, so keep single
 * requests small next to the limit (the engine's token budget per batch does).
 *
 * Reservations are computed synchronously against the buckets' future state, so concurrent callers
 * need no lock: each reserves the next free time and sleeps until it.
 */
export class RateLimiter {
  readonly #requests: Bucket | undefined;
  readonly #tokens: Bucket | undefined;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Reservations neither cancelled nor settled; a second cancel or settle is ignored. */
  readonly #open = new WeakSet<RateLimitReservation>();
  #lastStartAt = Number.NEGATIVE_INFINITY;

  constructor({
    requestsPerMinute,
    tokensPerMinute,
    headroom = 0.05,
    now = Date.now,
    sleep = delay,
  }: RateLimiterOptions = {}) {
    checkLimit('requestsPerMinute', requestsPerMinute);
    checkLimit('tokensPerMinute', tokensPerMinute);
    if (!(headroom >= 0 && headroom < 1)) {
      throw new TypeError(`Expected \`headroom\` to be a number in [0, 1), got \`${headroom}\``);
    }
    const start = now();
    this.#requests =
      requestsPerMinute === undefined ? undefined : new Bucket(requestsPerMinute, headroom, start);
    this.#tokens = tokensPerMinute === undefined ? undefined : new Bucket(tokensPerMinute, headroom, start);
    this.#now = now;
    this.#sleep = sleep;
  }

  /**
   * Takes the next place in the schedule for a request of about `estimatedTokens` tokens and
   * returns when it may start. The caller must wait until then, and `cancel` it if it never sends.
   */
  reserve(estimatedTokens: number): RateLimitReservation {
    const tokens = Math.max(0, estimatedTokens);
    let startAt = Math.max(this.#now(), this.#lastStartAt);
    if (this.#requests !== undefined) startAt = this.#requests.earliestStart(1, startAt);
    if (this.#tokens !== undefined) startAt = this.#tokens.earliestStart(tokens, startAt);
    this.#requests?.adjust(-1, startAt);
    this.#tokens?.adjust(-tokens, startAt);
    this.#lastStartAt = startAt;
    const reservation: RateLimitReservation = { startAt, estimatedTokens: tokens };
    this.#open.add(reservation);
    return reservation;
  }

  /** `reserve`, then sleep until the reserved time; on abort the reservation is cancelled. */
  async acquire(estimatedTokens: number, signal?: AbortSignal): Promise<RateLimitReservation> {
    const reservation = this.reserve(estimatedTokens);
    const waitMs = reservation.startAt - this.#now();
    if (waitMs > 0) {
      try {
        await this.#sleep(waitMs, signal);
      } catch (error) {
        this.cancel(reservation);
        throw error;
      }
    }
    return reservation;
  }

  /**
   * Gives back what a reservation took, for a request that was never sent. Later reservations keep
   * their times (the give-back only lets the ones after them start sooner), which errs on the safe side.
   */
  cancel(reservation: RateLimitReservation): void {
    if (!this.#open.delete(reservation)) return;
    const now = this.#now();
    this.#requests?.adjust(1, now);
    this.#tokens?.adjust(reservation.estimatedTokens, now);
  }

  /** Corrects a sent request's estimate with the tokens the provider reported (input + output). */
  settle(reservation: RateLimitReservation, actualTokens: number): void {
    if (!this.#open.delete(reservation)) return;
    this.#tokens?.adjust(reservation.estimatedTokens - Math.max(0, actualTokens), this.#now());
  }

  /** Tokens the token bucket holds now (negative while in debt); `undefined` without a tpm limit. */
  availableTokens(): number | undefined {
    return this.#tokens?.levelAt(this.#now());
  }
}

/**
 * A token bucket whose clock may run ahead of the real one: `at` is the time of the last debit,
 * which for a reserved request lies in the future.
 */
class Bucket {
  readonly capacity: number;
  readonly perMs: number;
  level: number;
  at: number;

  constructor(perMinute: number, headroom: number, start: number) {
    this.capacity = Math.max(1, perMinute * headroom);
    this.perMs = (perMinute * (1 - headroom)) / 60_000;
    this.level = this.capacity;
    this.at = start;
  }

  levelAt(time: number): number {
    if (time <= this.at) return this.level;
    return Math.min(this.capacity, this.level + (time - this.at) * this.perMs);
  }

  /** The first time at or after `from` when the bucket holds `amount`, or is full if it never can. */
  earliestStart(amount: number, from: number): number {
    const need = Math.min(amount, this.capacity);
    const time = Math.max(from, this.at);
    const level = this.levelAt(time);
    return level >= need ? time : time + (need - level) / this.perMs;
  }

  /** Adds `amount` (negative to debit) at `time`, or at the bucket's own clock if that is later. */
  adjust(amount: number, time: number): void {
    const when = Math.max(time, this.at);
    this.level = Math.min(this.capacity, this.levelAt(when) + amount);
    this.at = when;
  }
}

function checkLimit(name: string, value: number | undefined): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(
      `Expected \`${name}\` to be a finite number > 0 or undefined, got \`${String(value)}\``,
    );
  }
}
