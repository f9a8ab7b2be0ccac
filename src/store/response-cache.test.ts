import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GenerateResult } from '../spec/chat-model.js';
import { openStore, type Store } from './open-store.js';

let directory: string;
let store: Store;

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'batchprompt-cache-'));
  store = openStore(directory, { now: () => new Date('2025-01-02T03:04:05.000Z') });
});
afterEach(() => {
  store.close();
  fs.rmSync(directory, { recursive: true, force: true });
});

describe('ResponseCache', () => {
  it('returns what was put, usage flags included', () => {
    const reply = {
      text: '1. yes\n2. no',
      usage: { inputTokens: 120, outputTokens: 8, cachedInputTokens: 64, estimated: true },
      finishReason: 'length' as const,
    };
    store.responses.put('k1', reply, { modelId: 'openai:gpt-4o' });
    expect(store.responses.get('k1')).toEqual(reply);
  });

  it('returns usage without optional fields when none were given', () => {
    store.responses.put(
      'k2',
      { text: 'ok', usage: { inputTokens: 1, outputTokens: 2 }, finishReason: 'stop' },
      { modelId: 'sim' },
    );
    expect(store.responses.get('k2')?.usage).toStrictEqual({ inputTokens: 1, outputTokens: 2 });
  });

  it('misses an unknown key', () => {
    expect(store.responses.get('absent')).toBeUndefined();
  });

  it('stores the model id and time, and never the headers', () => {
    const result: GenerateResult = {
      text: 'yes',
      usage: { inputTokens: 3, outputTokens: 1 },
      finishReason: 'stop',
      headers: { 'x-secret-header': 'do-not-store' },
    };
    store.responses.put('k3', result, { modelId: 'openai:gpt-4o' });
    const row = store.database.prepare('SELECT * FROM responses WHERE key = ?').get('k3') as Record<
      string,
      unknown
    >;
    expect(row.model_id).toBe('openai:gpt-4o');
    expect(row.created_at).toBe('2025-01-02T03:04:05.000Z');
    expect(JSON.stringify(row)).not.toContain('do-not-store');
    store.close();
    const bytes = fs.readFileSync(path.join(directory, 'store.sqlite')).toString('latin1');
    const walFile = path.join(directory, 'store.sqlite-wal');
    const walBytes = fs.existsSync(walFile) ? fs.readFileSync(walFile).toString('latin1') : '';
    expect(bytes + walBytes).toContain('openai:gpt-4o');
    expect(bytes + walBytes).not.toContain('do-not-store');
  });

  it('reads a reply as damaged, and deletes it, when its text, usage, finish reason or key changed on disk', () => {
    const reply: GenerateResult = {
      text: 'yes',
      usage: { inputTokens: 30, outputTokens: 2 },
      finishReason: 'stop',
    };
    const edits = [
      "UPDATE responses SET text = 'no' WHERE key = 'k5'",
      "UPDATE responses SET input_tokens = 3 WHERE key = 'k5'",
      "UPDATE responses SET output_tokens = 20 WHERE key = 'k5'",
      "UPDATE responses SET finish_reason = 'length' WHERE key = 'k5'",
      // A reply moved under another key would answer a request it was never the reply to.
      "UPDATE responses SET key = 'k5' WHERE key = 'k6'",
    ];
    for (const edit of edits) {
      store.responses.put(edit.includes("'k6'") ? 'k6' : 'k5', reply, { modelId: 'sim' });
      store.database.prepare(edit).run();
      expect(store.responses.lookup('k5'), edit).toEqual({ status: 'damaged' });
      expect(store.responses.size(), edit).toBe(0);
    }
  });

  it('refuses a model id that carries a key', () => {
    expect(() =>
      store.responses.put(
        'k4',
        { text: 'x', usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' },
        { modelId: 'openai:gpt-4o?key=sk-abcdefghijklmnopqrstuvwxyz' },
      ),
    ).toThrow(/API key/);
    expect(store.responses.size()).toBe(0);
  });
});
