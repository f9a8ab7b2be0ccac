import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GenerateRequest } from '../spec/chat-model.js';
import { StoreError } from '../spec/errors.js';
import { echoModel } from '../test/echo-model.js';
import { type CallEvent, cachedModel } from './cached-model.js';
import { openStore, type Store } from './open-store.js';

let directory: string;
let store: Store;

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'batchprompt-cached-model-'));
  store = openStore(directory);
});
afterEach(() => {
  store.close();
  fs.rmSync(directory, { recursive: true, force: true });
});

/** Claims in the store: requests some process is asking right now. */
function claimsLeft(): number {
  return (store.database.prepare('SELECT count(*) AS count FROM claims').get() as { count: number }).count;
}

function ask(content: string, settings: Partial<GenerateRequest> = {}): GenerateRequest {
  return { messages: [{ role: 'user', content }], ...settings };
}

describe('cachedModel', () => {
  it('answers a repeated request from the cache without calling the model', async () => {
    const inner = echoModel();
    const model = cachedModel(inner, store);
    const first = await model.generate(ask('is it raining?'));
    const second = await model.generate(ask('is it raining?'));

    expect(inner.requests).toHaveLength(1);
    expect(second.text).toBe(first.text);
    expect(second.usage).toEqual(first.usage);
    expect(second.finishReason).toBe('stop');
    expect(second.headers).toBeUndefined();
    expect(first.cached).toBeUndefined();
    expect(second.cached).toBe(true);
    expect(model.stats()).toEqual({ hits: 1, misses: 1, damaged: 0 });
  });

  it('shares the cache between wrappers and processes: a new wrapper on a reopened store makes no call', async () => {
    await cachedModel(echoModel(), store).generate(ask('q', { temperature: 0, seed: 3 }));
    store.close();
    store = openStore(directory);
    const inner = echoModel();
    const model = cachedModel(inner, store);
    // temperature 0 is the documented default: leaving it out asks the same thing.
    await model.generate(ask('q', { seed: 3 }));
    expect(inner.requests).toHaveLength(0);
    expect(model.stats()).toEqual({ hits: 1, misses: 0, damaged: 0 });
  });

  it('replays a reply that another process stored between its lookup and its claim, rather than paying again', async () => {
    const reply = await echoModel().generate(ask('q'));
    const lookup = store.responses.lookup.bind(store.responses);
    let lookups = 0;
    store.responses.lookup = (key) => {
      const found = lookup(key);
      lookups += 1;
      // Right after the first (missed) lookup, the other process's call ends: its reply is stored
      // and its claim released, so the claim that follows succeeds.
      if (lookups === 1) store.responses.put(key, reply, { modelId: 'fake:echo' });
      return found;
    };
    const inner = echoModel();
    const model = cachedModel(inner, store);
    const result = await model.generate(ask('q'));
    expect(inner.requests).toHaveLength(0);
    expect(result.cached).toBe(true);
    expect(result.text).toBe('echo: q');
    expect(model.stats()).toEqual({ hits: 1, misses: 0, damaged: 0 });
    // The claim it took to find the reply is given back.
    expect(claimsLeft()).toBe(0);
  });

  it('leaves no claim behind once a call ends, answered, failed or filtered, so that no process sharing the store waits on it', async () => {
    const model = cachedModel(echoModel(), store);
    void model.generate(ask('hang'));
    // A call in flight holds its claim: the count below can see one.
    expect(claimsLeft()).toBe(1);
    await model.generate(ask('q'));
    await expect(model.generate(ask('fail'))).rejects.toThrow('the fake model failed');
    await model.generate(ask('filtered'));
    // Only the call that still hangs holds one.
    expect(claimsLeft()).toBe(1);
  });

  it('misses when a setting that changes the reply differs', async () => {
    const inner = echoModel();
    const model = cachedModel(inner, store);
    await model.generate(ask('q'));
    await model.generate(ask('q', { temperature: 0.7 }));
    await model.generate(ask('q', { seed: 1 }));
    await model.generate(ask('q', { maxOutputTokens: 10 }));
    await model.generate(
      ask('q', { responseFormat: { type: 'json', name: 'answers', schema: { type: 'object' } } }),
    );
    await cachedModel(inner, store, { settingsKey: 'sample-2' }).generate(ask('q'));
    await cachedModel(echoModel('fake:other'), store).generate(ask('q'));
    expect(inner.requests).toHaveLength(6);
    expect(store.responses.size()).toBe(7);
  });

  it('reports each call through onCall, with the stored usage on a hit', async () => {
    const events: CallEvent[] = [];
    const model = cachedModel(echoModel(), store, { onCall: (event) => events.push(event) });
    await model.generate(ask('abc'));
    await model.generate(ask('abc'));
    expect(events.map((event) => event.cached)).toEqual([false, true]);
    expect(events[1]?.key).toBe(events[0]?.key);
    expect(events[1]?.usage).toEqual({ inputTokens: 3, outputTokens: 9 });
  });

  it('journals calls under the run: started then finished on a miss, finished and cached on a hit', async () => {
    const { runId } = store.journal.startRun({ fingerprint: 'fp', config: {} });
    const model = cachedModel(echoModel(), store, { runId });
    await model.generate(ask('abc'));
    await model.generate(ask('abc'));
    expect(store.journal.countCalls(runId)).toMatchObject({
      started: 2,
      finished: 2,
      cached: 1,
      inFlight: 0,
      paidInputTokens: 3,
      paidOutputTokens: 9,
    });
  });

  it('never caches an error or a filtered reply, and journals the failure', async () => {
    const { runId } = store.journal.startRun({ fingerprint: 'fp', config: {} });
    const inner = echoModel();
    const model = cachedModel(inner, store, { runId });
    await expect(model.generate(ask('fail'))).rejects.toThrow('the fake model failed');
    await expect(model.generate(ask('fail'))).rejects.toThrow('the fake model failed');
    expect((await model.generate(ask('filtered'))).finishReason).toBe('content-filter');
    await model.generate(ask('filtered'));
    expect(inner.requests).toHaveLength(4);
    expect(store.responses.size()).toBe(0);
    expect(store.journal.countCalls(runId)).toMatchObject({
      started: 4,
      failed: 2,
      finished: 2,
      inFlight: 0,
    });
  });

  it('when disabled, passes every call through and stores nothing, but still journals', async () => {
    const { runId } = store.journal.startRun({ fingerprint: 'fp', config: {} });
    await cachedModel(echoModel(), store).generate(ask('q'));
    const inner = echoModel();
    const model = cachedModel(inner, store, { runId, enabled: false });
    await model.generate(ask('q'));
    await model.generate(ask('r'));
    expect(inner.requests).toHaveLength(2);
    expect(store.responses.size()).toBe(1);
    expect(model.stats()).toEqual({ hits: 0, misses: 2, damaged: 0 });
    expect(store.journal.countCalls(runId)).toMatchObject({ started: 2, finished: 2, cached: 0 });
  });

  it('has the reply committed when generate resolves: another handle sees it at once', async () => {
    const otherProcess = openStore(directory);
    try {
      const events: CallEvent[] = [];
      await cachedModel(echoModel(), store, { onCall: (event) => events.push(event) }).generate(ask('now'));
      expect(otherProcess.responses.get(events[0]!.key)?.text).toBe('echo: now');
    } finally {
      otherProcess.close();
    }
  });

  it('keeps the identity of the model it wraps', () => {
    const model = cachedModel(echoModel('sim:gpt-4'), store);
    expect([model.id, model.simulated, model.supportsJsonSchema]).toEqual(['sim:gpt-4', true, false]);
  });

  it('does not call the model for an already aborted request', async () => {
    const inner = echoModel();
    const controller = new AbortController();
    controller.abort();
    await expect(
      cachedModel(inner, store).generate(ask('q', { signal: controller.signal })),
    ).rejects.toThrow();
    expect(inner.requests).toHaveLength(0);
  });
});

describe('cachedModel when the store fails', () => {
  it('holds a paid reply it cannot store, makes no further call, and writes it once the store takes it', async () => {
    const inner = echoModel();
    const model = cachedModel(inner, store, {
      runId: store.journal.startRun({ fingerprint: 'f', config: {} }).runId,
    });
    const put = store.responses.put.bind(store.responses);
    let full = true;
    store.responses.put = (...args) => {
      if (full) throw new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
      return put(...args);
    };
    const error = await model.generate(ask('paid')).catch((caught: unknown) => caught);
    expect(StoreError.isInstance(error)).toBe(true);
    expect((error as StoreError).message).toContain(store.file);
    expect((error as StoreError).message).toMatch(/disk is full/);
    expect(inner.requests).toHaveLength(1);
    expect(model.heldReplies()).toBe(1);
    // Stopped before paying more: the next request never reaches the model.
    await expect(model.generate(ask('not paid'))).rejects.toBe(model.storeFailure());
    expect(inner.requests).toHaveLength(1);
    expect(model.writeHeldReplies()).toBe(false);
    full = false;
    expect(model.writeHeldReplies()).toBe(true);
    expect(model.heldReplies()).toBe(0);
    expect(store.responses.size()).toBe(1);
    await model.generate(ask('not paid'));
    expect(inner.requests).toHaveLength(2);
  });
});
