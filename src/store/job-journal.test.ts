import { describe, expect, it } from 'vitest';
import { useTempDir } from '../test/temp-dir.js';
import { openStore } from './open-store.js';

const temp = useTempDir();

describe('JobJournal', () => {
  it('journals a job before submission, then its provider id, then every outcome in one step', () => {
    const store = openStore(temp('store'));
    const run = store.journal.startRun({ fingerprint: 'f', config: {} });
    const job = store.jobs.createJob({
      runId: run.runId,
      provider: 'openai',
      modelId: 'openai:m',
      baseUrl: 'http://127.0.0.1:9/v1',
      customIds: ['a', 'b', 'c'],
    });
    expect(job).toMatchObject({
      status: 'submitting',
      requestCount: 3,
      counts: { pending: 3 },
      runId: run.runId,
    });
    expect(job.jobId).toMatch(/^job-[0-9a-f]{10}$/);
    expect(store.jobs.findOpenJobFor('b', 'openai:m')).toBe(job.jobId);
    expect(store.jobs.findOpenJobFor('b', 'openai:other')).toBeUndefined();

    store.jobs.recordInputFile(job.jobId, 'file-1');
    store.jobs.markSubmitted(job.jobId, { providerJobId: 'batch_1', providerStatus: 'validating' });
    expect(store.jobs.getJob('batch_1')).toMatchObject({
      jobId: job.jobId,
      inputFileId: 'file-1',
      status: 'submitted',
    });

    const reply = { text: 'yes', finishReason: 'stop' as const, usage: { inputTokens: 4, outputTokens: 1 } };
    store.jobs.recordOutcomes(
      job.jobId,
      [
        { customId: 'a', state: 'succeeded', reply },
        { customId: 'b', state: 'expired' },
        { customId: 'c', state: 'errored', error: 'HTTP 500: down' },
      ],
      { status: 'ended', providerStatus: 'expired' },
    );
    expect(store.jobs.getJob(job.jobId)).toMatchObject({
      status: 'ended',
      providerStatus: 'expired',
      counts: { succeeded: 1, expired: 1, errored: 1, pending: 0 },
    });
    expect(store.jobs.findReply('a', 'openai:m')).toEqual(reply);
    expect(store.jobs.findReply('b', 'openai:m')).toBeUndefined();
    // An ended job holds no open request any more: b goes into a new job.
    expect(store.jobs.findOpenJobFor('b', 'openai:m')).toBeUndefined();
    expect(store.jobs.listRequests(job.jobId).map((request) => request.state)).toEqual([
      'succeeded',
      'expired',
      'errored',
    ]);
    store.close();
  });

  it('keeps a key out of the store: a base URL holding one is refused', () => {
    const store = openStore(temp('refuse'));
    expect(() =>
      store.jobs.createJob({
        provider: 'openai',
        modelId: 'openai:m',
        baseUrl: 'https://example.invalid/v1?key=sk-abcdefghijklmnopqrstuvwxyz123456',
        customIds: ['a'],
      }),
    ).toThrow(/API key/);
    expect(store.jobs.listJobs()).toEqual([]);
    store.close();
  });
});
