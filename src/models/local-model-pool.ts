import { AbortError } from '../spec/errors.js';

export interface SlotPool<Slot, Key> {
  /**
   * A free slot for a request: among the free ones, the one whose cached state shares the longest
   * prefix with `key` (so its KV cache is reused); when none is free, the request waits its turn.
   * Rejects with an `AbortError` when `signal` aborts while waiting.
   */
  acquire(key: Key, signal?: AbortSignal): Promise<Slot>;
  release(slot: Slot): void;
  /** Requests waiting for a slot. */
  readonly waiting: number;
  /** Slots serving a request. */
  readonly busy: number;
}

interface Waiter<Slot> {
  resolve: (slot: Slot) => void;
}

function abortError(signal: AbortSignal): AbortError {
  return new AbortError(undefined, { cause: signal.reason });
}

/**
 * A fixed set of slots (here: context sequences, each with its own KV cache), one request per slot
 * at a time. `sharedPrefixLength(slot, key)` scores how much of a slot's state a request can reuse.
 */
export function createSlotPool<Slot, Key>(
  slots: readonly Slot[],
  sharedPrefixLength: (slot: Slot, key: Key) => number,
): SlotPool<Slot, Key> {
  if (slots.length === 0) throw new RangeError('Expected at least one slot in the pool, got 0');
  const free = new Set(slots);
  const waiters: Waiter<Slot>[] = [];

  return {
    acquire(key, signal) {
      if (signal?.aborted) return Promise.reject(abortError(signal));
      if (free.size > 0) {
        let best: Slot | undefined;
        let bestLength = -1;
        for (const slot of free) {
          const length = sharedPrefixLength(slot, key);
          if (length > bestLength) {
            best = slot;
            bestLength = length;
          }
        }
        free.delete(best as Slot);
        return Promise.resolve(best as Slot);
      }
      return new Promise<Slot>((resolve, reject) => {
        const onAbort = () => {
          const index = waiters.indexOf(waiter);
          if (index !== -1) waiters.splice(index, 1);
          reject(abortError(signal as AbortSignal));
        };
        const waiter: Waiter<Slot> = {
          resolve: (slot) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(slot);
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.push(waiter);
      });
    },
    release(slot) {
      const next = waiters.shift();
      if (next) next.resolve(slot);
      else free.add(slot);
    },
    get waiting() {
      return waiters.length;
    },
    get busy() {
      return slots.length - free.size;
    },
  };
}
