import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { echoModel } from '../test/echo-model.js';
import { cachedModel } from './cached-model.js';
import { openStore } from './open-store.js';

const childScript = fileURLToPath(new URL('../test/answer-then-kill.ts', import.meta.url));
const replyCount = 25;

let directory: string;

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'batchprompt-kill-'));
});
afterEach(() => {
  fs.rmSync(directory, { recursive: true, force: true });
});

describe('the store after kill -9', () => {
  it('keeps every reply, call and result committed before the kill, and the rerun pays for none of them', async () => {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', childScript, directory, String(replyCount)],
      {
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(child.stderr).toBe('');
    expect(child.signal).toBe('SIGKILL');
    // The process never closed the database: what it wrote is still only in the write-ahead log.
    expect(fs.statSync(path.join(directory, 'store.sqlite-wal')).size).toBeGreaterThan(0);

    const store = openStore(directory);
    try {
      const run = store.journal.findLatestRun({ fingerprint: 'kill-test', status: 'running' });
      expect(run).toBeDefined();
      const runId = run!.runId;
      expect(store.responses.size()).toBe(replyCount);
      expect(store.journal.countResults(runId)).toBe(replyCount);
      expect(store.journal.countCalls(runId)).toMatchObject({
        started: replyCount + 1,
        finished: replyCount,
        inFlight: 1,
      });

      // Resume: the call in flight at the kill is the only one to be paid again.
      expect(store.journal.resumeRun(runId)).toEqual({ interruptedCalls: 1 });
      const inner = echoModel();
      const model = cachedModel(inner, store, { runId });
      for (let index = 0; index < replyCount; index += 1) {
        const reply = await model.generate({ messages: [{ role: 'user', content: `item ${index}` }] });
        expect(reply.text).toBe(`echo: item ${index}`);
      }
      expect(inner.requests).toHaveLength(0);
      expect(model.stats()).toEqual({ hits: replyCount, misses: 0, damaged: 0 });
      expect(store.journal.loadResults(runId).map((row) => row.id)).toEqual(
        Array.from({ length: replyCount }, (_, index) => `item-${index}`),
      );
    } finally {
      store.close();
    }
  });
});
