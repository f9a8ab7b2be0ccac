import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from './open-store.js';
import type { RunJournal } from './run-journal.js';

let directory: string;
let store: Store;
let journal: RunJournal;
let clock: number;

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'batchprompt-journal-'));
  clock = Date.parse('2025-01-01T00:00:00.000Z');
  // Each timestamp one second after the last, so ordering by time is tested, not by luck.
  store = openStore(directory, {
    now: () => {
      clock += 1000;
      return new Date(clock);
    },
  });
  journal = store.journal;
});
afterEach(() => {
  store.close();
  fs.rmSync(directory, { recursive: true, force: true });
});

describe('RunJournal runs', () => {
  it('starts a run with a short id, status running and the config as given', () => {
    const run = journal.startRun({ fingerprint: 'fp', config: { batchSize: 16, model: 'sim:gpt-4' } });
    expect(run.runId).toMatch(/^[0-9a-f]{10}$/);
    expect(run.status).toBe('running');
    expect(run.config).toEqual({ batchSize: 16, model: 'sim:gpt-4' });
    expect(run.summary).toBeUndefined();
    expect(journal.getRun(run.runId)).toEqual(run);
  });

  it('finds the latest unfinished run of the same command, to resume it', () => {
    const completed = journal.startRun({ fingerprint: 'same-command', config: {} });
    journal.finishRun(completed.runId, 'completed', { items: 10 });
    const killed = journal.startRun({ fingerprint: 'same-command', config: {} });
    journal.startRun({ fingerprint: 'other-command', config: {} });

    expect(journal.findLatestRun({ fingerprint: 'same-command', status: 'running' })?.runId).toBe(
      killed.runId,
    );
    expect(journal.findLatestRun({ fingerprint: 'same-command', status: 'completed' })?.runId).toBe(
      completed.runId,
    );
    expect(journal.findLatestRun({ fingerprint: 'same-command' })?.runId).toBe(killed.runId);
    expect(journal.findLatestRun({ fingerprint: 'never-run' })).toBeUndefined();
  });

  it('finishes a run with a status and a summary', () => {
    const run = journal.startRun({ fingerprint: 'fp', config: {} });
    journal.finishRun(run.runId, 'failed', { items: 3, failed: 3 });
    const finished = journal.getRun(run.runId)!;
    expect(finished.status).toBe('failed');
    expect(finished.summary).toEqual({ items: 3, failed: 3 });
    expect(finished.updatedAt > run.updatedAt).toBe(true);
    expect(() => journal.finishRun('nope', 'completed', {})).toThrow(/No run with `runId` `nope`/);
  });

  it('refuses a config that carries a credential', () => {
    expect(() => journal.startRun({ fingerprint: 'fp', config: { openaiApiKey: 'x' } })).toThrow(
      /credential/,
    );
  });
});

describe('RunJournal calls', () => {
  it('counts started, finished, cached, failed and in-flight calls, and the paid tokens', () => {
    const { runId } = journal.startRun({ fingerprint: 'fp', config: {} });
    journal.recordCallStarted(runId, 'a');
    journal.recordCallFinished(runId, 'a', { inputTokens: 100, outputTokens: 10, cached: false });
    journal.recordCallFinished(runId, 'b', { inputTokens: 50, outputTokens: 5, cached: true });
    journal.recordCallStarted(runId, 'c');
    journal.recordCallFailed(runId, 'c');
    journal.recordCallStarted(runId, 'd');

    expect(journal.countCalls(runId)).toEqual({
      started: 4,
      finished: 2,
      cached: 1,
      failed: 1,
      interrupted: 0,
      inFlight: 1,
      paidInputTokens: 100,
      paidOutputTokens: 10,
    });
  });

  it('matches two concurrent calls of one key first in, first out', () => {
    const { runId } = journal.startRun({ fingerprint: 'fp', config: {} });
    journal.recordCallStarted(runId, 'same');
    journal.recordCallStarted(runId, 'same');
    journal.recordCallFinished(runId, 'same', { inputTokens: 1, outputTokens: 1, cached: false });
    expect(journal.countCalls(runId)).toMatchObject({ started: 2, finished: 1, inFlight: 1 });
  });

  it('on resume marks the calls a dead process left in flight as interrupted', () => {
    const { runId } = journal.startRun({ fingerprint: 'fp', config: {} });
    journal.recordCallStarted(runId, 'lost-1');
    journal.recordCallStarted(runId, 'lost-2');
    journal.finishRun(runId, 'aborted', {});

    expect(journal.resumeRun(runId)).toEqual({ interruptedCalls: 2 });
    expect(journal.getRun(runId)?.status).toBe('running');
    // The resumed process sends the same request again; its reply must close the new call.
    journal.recordCallStarted(runId, 'lost-1');
    journal.recordCallFinished(runId, 'lost-1', { inputTokens: 1, outputTokens: 1, cached: false });
    expect(journal.countCalls(runId)).toMatchObject({ started: 3, finished: 1, interrupted: 2, inFlight: 0 });
  });

  it('refuses calls of an unknown run with an error that names it', () => {
    expect(() => journal.recordCallStarted('ghost', 'k')).toThrow(/No run with `runId` `ghost`/);
  });
});

describe('RunJournal results', () => {
  it('saves results in one transaction and loads them ordered by index', () => {
    const { runId } = journal.startRun({ fingerprint: 'fp', config: {} });
    journal.saveResults(runId, [
      { index: 2, id: 'c', result: { answer: 'no' } },
      { index: 0, id: 'a', result: { answer: 'yes', votes: [1, 2] } },
    ]);
    journal.saveResults(runId, [{ index: 1, id: 'b', result: null }]);
    expect(journal.countResults(runId)).toBe(3);
    expect(journal.loadResults(runId)).toEqual([
      { index: 0, id: 'a', result: { answer: 'yes', votes: [1, 2] } },
      { index: 1, id: 'b', result: null },
      { index: 2, id: 'c', result: { answer: 'no' } },
    ]);
  });

  it('writes nothing of a batch when one row is bad', () => {
    const { runId } = journal.startRun({ fingerprint: 'fp', config: {} });
    expect(() =>
      journal.saveResults(runId, [
        { index: 0, id: 'a', result: 'ok' },
        { index: -1, id: 'bad', result: 'ok' },
      ]),
    ).toThrow('Expected `index` to be an integer >= 0, got `-1`');
    expect(journal.countResults(runId)).toBe(0);
  });

  it('replaces the result of an index saved again (a resumed run re-saving)', () => {
    const { runId } = journal.startRun({ fingerprint: 'fp', config: {} });
    journal.saveResults(runId, [{ index: 0, id: 'a', result: 'first' }]);
    journal.saveResults(runId, [{ index: 0, id: 'a', result: 'second' }]);
    expect(journal.loadResults(runId)).toEqual([{ index: 0, id: 'a', result: 'second' }]);
  });

  it('keeps results of runs apart', () => {
    const first = journal.startRun({ fingerprint: 'fp', config: {} });
    const second = journal.startRun({ fingerprint: 'fp', config: {} });
    journal.saveResults(first.runId, [{ index: 0, id: 'a', result: 1 }]);
    expect(journal.countResults(second.runId)).toBe(0);
    expect(() => journal.saveResults('ghost', [{ index: 0, id: 'a', result: 1 }])).toThrow(/ghost/);
  });
});
