import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { isAbortError } from '../spec/errors.js';
import { createSlotPool } from './local-model-pool.js';

/** Slots are strings; a slot's "cache" is the string itself, a key shares the prefix it starts with. */
function sharedPrefix(slot: string, key: string): number {
  let length = 0;
  while (length < slot.length && slot[length] === key[length]) length++;
  return length;
}

describe('createSlotPool', () => {
  it('gives a request the free slot that shares the longest prefix with it', async () => {
    const pool = createSlotPool(['abc', 'xyz', 'abx'], sharedPrefix);
    expect(await pool.acquire('xyq')).toBe('xyz');
    expect(await pool.acquire('abcd')).toBe('abc');
    expect(await pool.acquire('abcd')).toBe('abx');
    expect(pool.busy).toBe(3);
  });

  it('makes requests wait for a released slot, first come first served', async () => {
    const pool = createSlotPool(['only'], sharedPrefix);
    const held = await pool.acquire('o');
    const order: string[] = [];
    const first = pool.acquire('a').then((slot) => order.push(`first:${slot}`));
    const second = pool.acquire('b').then((slot) => order.push(`second:${slot}`));
    expect(pool.waiting).toBe(2);
    pool.release(held);
    await first;
    expect(order).toEqual(['first:only']);
    pool.release('only');
    await second;
    expect(order).toEqual(['first:only', 'second:only']);
    expect(pool.waiting).toBe(0);
  });

  it('rejects a waiting request on abort, drops it from the queue and removes its listener', async () => {
    const pool = createSlotPool(['only'], sharedPrefix);
    const held = await pool.acquire('o');
    const controller = new AbortController();
    const waiting = pool.acquire('a', controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    expect(isAbortError(await waiting.catch((error: unknown) => error))).toBe(true);
    expect(pool.waiting).toBe(0);
    pool.release(held);
    expect(pool.busy).toBe(0);
    const served = new AbortController();
    const next = pool.acquire('b', served.signal);
    expect(await next).toBe('only');
    expect(getEventListeners(served.signal, 'abort')).toHaveLength(0);
  });

  it('rejects at once for a signal that is already aborted', async () => {
    const pool = createSlotPool(['only'], sharedPrefix);
    const error = await pool.acquire('a', AbortSignal.abort()).catch((caught: unknown) => caught);
    expect(isAbortError(error)).toBe(true);
    expect(pool.busy).toBe(0);
  });
});
