import { AbortError } from '../spec/errors.js';

interface Waiter {
  grant: () => void;
}

/**
 * A counting semaphore with a first-in, first-out line. `acquire` resolves with a release function
 * (safe to call twice); a waiter whose signal aborts leaves the line at once.
 */
export class Semaphore {
  readonly #limit: number;
  #active = 0;
  readonly #line: Waiter[] = [];

  constructor(limit: number) {
    if (!(limit >= 1)) throw new TypeError(`Expected \`limit\` to be a number >= 1, got \`${limit}\``);
    this.#limit = limit;
  }

  /** Slots in use. */
  get active(): number {
    return this.#active;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.#line.length;
  }

  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
    if (this.#active < this.#limit) {
      this.#active++;
      return this.#releaser();
    }

    let waiter: Waiter | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        waiter = { grant: resolve };
        this.#line.push(waiter);
        if (signal !== undefined) {
          onAbort = () => {
            const index = waiter === undefined ? -1 : this.#line.indexOf(waiter);
            if (index !== -1) this.#line.splice(index, 1);
            reject(new AbortError(undefined, { cause: signal.reason }));
          };
          signal.addEventListener('abort', onAbort, { once: true });
        }
      });
    } finally {
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    }
    // The slot was handed over by `release` without decrementing `#active`.
    return this.#releaser();
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#line.shift();
      // Hand the slot straight to the next waiter, so that no newcomer can overtake the line.
      if (next === undefined) this.#active--;
      else next.grant();
    };
  }
}
