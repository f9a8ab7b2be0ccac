import { describe, expect, it } from 'vitest';
import type { GenerateRequest } from '../spec/chat-model.js';
import { AbortError, ApiCallError } from '../spec/errors.js';
import { openStore } from '../store/open-store.js';
import { useTempDir } from '../test/temp-dir.js';
import { type BatchJobEvent, createBatchApiModel } from './batch-api-model.js';
import type { BatchEntry, BatchProvider, ProviderJobState, ProviderOutcome } from './batch-provider.js';

/*
 * The batch model against a provider kept in memory: the test decides when a job ends and what
 * each request's outcome is. Waits between status checks are immediate.
 */

const temp = useTempDir();
let storeNumber = 0;

function request(text: string): GenerateRequest {
  return { messages: [{ role: 'user', content: text }], maxOutputTokens: 20 };
}

type Decide = (entry: BatchEntry, job: number) => ProviderOutcome | undefined;

function fakeProvider(
  options: { maxRequests?: number; decide?: Decide; failure?: string; existing?: string[] } = {},
) {
  const jobs: { id: string; entries: BatchEntry[]; ended: boolean; jobId: string }[] = [];
  const answer: Decide =
    options.decide ??
    ((entry) => ({
      customId: entry.customId,
      state: 'succeeded',
      reply: {
        text: `reply to ${entry.request.messages[0]!.content}`,
        finishReason: 'stop',
        usage: { inputTokens: 5, outputTokens: 3 },
      },
    }));
  const state = (index: number): ProviderJobState => {
    const job = jobs[index]!;
    return {
      providerJobId: job.id,
      status: job.ended ? (options.failure ? 'failed' : 'completed') : 'in_progress',
      ended: job.ended,
      cancelled: false,
      ...(options.failure && job.ended ? { failure: options.failure } : {}),
      counts: { total: job.entries.length, succeeded: 0, failed: 0, pending: job.entries.length },
      createdAtMs: 0,
    };
  };
  const provider: BatchProvider = {
    provider: 'openai',
    maxRequests: options.maxRequests ?? 1000,
    maxBytes: 1_000_000,
    requestBytes: () => 100,
    async submit(entries, { jobId }) {
      jobs.push({ id: `batch_${jobs.length}`, entries: [...entries], ended: false, jobId });
      return state(jobs.length - 1);
    },
    async retrieve(id) {
      const index = jobs.findIndex((job) => job.id === id);
      if (index < 0) throw new ApiCallError(`no batch ${id}`, { status: 404 });
      return state(index);
    },
    async results(id) {
      const index = jobs.findIndex((job) => job.id === id);
      return jobs[index]!.entries.flatMap((entry) => answer(entry, index) ?? []);
    },
    async cancel(id) {
      return state(jobs.findIndex((job) => job.id === id));
    },
    async findSubmitted(job) {
      const index = jobs.findIndex((entry) => entry.jobId === job.jobId);
      return index < 0 ? undefined : state(index);
    },
  };
  return {
    provider,
    jobs,
    endAll: () => {
      for (const job of jobs) job.ended = true;
    },
  };
}

function setup(
  fake: ReturnType<typeof fakeProvider>,
  extra: Partial<Parameters<typeof createBatchApiModel>[0]> = {},
) {
  storeNumber += 1;
  const store = openStore(temp(`store-${storeNumber}`));
  const events: BatchJobEvent[] = [];
  const model = createBatchApiModel({
    id: 'openai:test-model',
    simulated: false,
    supportsJsonSchema: true,
    provider: fake.provider,
    store,
    gatherMs: 5,
    pollIntervalMs: 1,
    maxPollIntervalMs: 2,
    // Every wait between checks ends the provider's jobs, as if a day had passed.
    sleep: async () => {
      fake.endAll();
      await new Promise((resolveWait) => setImmediate(resolveWait));
    },
    onEvent: (event) => events.push(event),
    ...extra,
  });
  return { store, model, events };
}

describe('createBatchApiModel', () => {
  it('gathers calls that arrive together into one job; identical requests share one request', async () => {
    const fake = fakeProvider();
    const { model, store } = setup(fake);
    const replies = await Promise.all(['a', 'b', 'c', 'a'].map((text) => model.generate(request(text))));
    expect(replies.map((reply) => reply.text)).toEqual([
      'reply to a',
      'reply to b',
      'reply to c',
      'reply to a',
    ]);
    expect(fake.jobs).toHaveLength(1);
    expect(fake.jobs[0]!.entries).toHaveLength(3);
    const [job] = store.jobs.listJobs();
    expect(job).toMatchObject({ status: 'ended', requestCount: 3, counts: { succeeded: 3, pending: 0 } });
    // Asked again later: the recorded reply, no job.
    expect((await model.generate(request('b'))).text).toBe('reply to b');
    expect(fake.jobs).toHaveLength(1);
    model.close();
    store.close();
  });

  it('splits a round over several jobs where the provider limits the requests per job', async () => {
    const fake = fakeProvider({ maxRequests: 2 });
    const { model, store } = setup(fake);
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((text) => model.generate(request(text))));
    expect(fake.jobs.map((job) => job.entries.length)).toEqual([2, 2, 1]);
    model.close();
    store.close();
  });

  it('submits requests that failed with a retryable error again, up to maxRetries, then fails them with the reason', async () => {
    const fake = fakeProvider({
      decide: (entry, job) =>
        entry.request.messages[0]!.content === 'flaky' && job === 0
          ? { customId: entry.customId, state: 'errored', error: 'HTTP 500: overloaded', retryable: true }
          : entry.request.messages[0]!.content === 'broken'
            ? {
                customId: entry.customId,
                state: 'errored',
                error: 'HTTP 400: bad request',
                retryable: false,
                status: 400,
              }
            : entry.request.messages[0]!.content === 'down'
              ? {
                  customId: entry.customId,
                  state: 'errored',
                  error: 'HTTP 503: down',
                  retryable: true,
                  status: 503,
                }
              : {
                  customId: entry.customId,
                  state: 'succeeded',
                  reply: { text: 'ok', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } },
                },
    });
    const { model, store, events } = setup(fake, { maxRetries: 1 });
    const [flaky, broken, down] = await Promise.allSettled(
      ['flaky', 'broken', 'down'].map((text) => model.generate(request(text))),
    );
    expect(flaky).toMatchObject({ status: 'fulfilled', value: { text: 'ok' } });
    expect(broken!.status).toBe('rejected');
    expect(String((broken as PromiseRejectedResult).reason.message)).toContain('HTTP 400: bad request');
    expect(String((down as PromiseRejectedResult).reason.message)).toContain('HTTP 503: down');
    // The status the provider gave each goes with its error, for the breaker and the re-ask policy.
    expect((broken as PromiseRejectedResult).reason).toMatchObject({ status: 400, isRetryable: false });
    expect((down as PromiseRejectedResult).reason).toMatchObject({ status: 503, isRetryable: false });
    // One job, one follow-up with the two retryable ones; `down` fails again and is given up.
    expect(fake.jobs.map((job) => job.entries.length)).toEqual([3, 2]);
    expect(events.some((event) => event.type === 'resubmitting' && event.reason === 'errored')).toBe(true);
    model.close();
    store.close();
  });

  it('waits half as long again before each status check, up to maxPollIntervalMs', async () => {
    const fake = fakeProvider();
    const waits: number[] = [];
    const { model, store } = setup(fake, {
      pollIntervalMs: 100,
      maxPollIntervalMs: 300,
      // The job ends during the fifth wait.
      sleep: async (ms) => {
        waits.push(ms);
        if (waits.length === 5) fake.endAll();
      },
    });
    expect((await model.generate(request('a'))).text).toBe('reply to a');
    expect(waits).toEqual([100, 150, 225, 300, 300]);
    model.close();
    store.close();
  });

  it('fails the waiting requests with the error after maxStatusErrors failed status checks in a row, and keeps the job', async () => {
    const fake = fakeProvider();
    let checks = 0;
    fake.provider.retrieve = async () => {
      checks += 1;
      throw new ApiCallError('HTTP 503: status unavailable', { status: 503 });
    };
    let waits = 0;
    const { model, store } = setup(fake, {
      maxStatusErrors: 3,
      sleep: async () => {
        waits += 1;
        // A model that never gave up would wait here for ever.
        if (waits > 20) throw new Error('still checking after 20 waits');
      },
    });
    const failed = await Promise.allSettled(['a', 'b'].map((text) => model.generate(request(text))));
    for (const outcome of failed) {
      expect(outcome.status).toBe('rejected');
      expect(String((outcome as PromiseRejectedResult).reason.message)).toContain(
        'HTTP 503: status unavailable',
      );
    }
    expect(checks).toBe(3);
    // Nothing is known of the job's requests: it stays journaled for the next process to collect.
    expect(store.jobs.listJobs()).toMatchObject([{ status: 'submitted', counts: { pending: 2 } }]);
    model.close();
    store.close();
  });

  it('counts only failed status checks in a row: one that answers starts the count again', async () => {
    const fake = fakeProvider();
    const retrieve = fake.provider.retrieve;
    let checks = 0;
    // Checks 1-2 and 4-5 fail; 3 finds the job running, 6 finds it ended.
    fake.provider.retrieve = async (id) => {
      checks += 1;
      if (checks % 3 !== 0) throw new ApiCallError('HTTP 503: status unavailable', { status: 503 });
      if (checks === 6) fake.endAll();
      return retrieve(id);
    };
    const { model, store } = setup(fake, { maxStatusErrors: 3, sleep: async () => {} });
    expect((await model.generate(request('a'))).text).toBe('reply to a');
    expect(checks).toBe(6);
    model.close();
    store.close();
  });

  it('abandons a job whose submission was refused, and keeps one whose submission may have arrived for the next process to look for', async () => {
    for (const [status, journaled] of [
      [400, 'abandoned'],
      [502, 'submitting'],
    ] as const) {
      const fake = fakeProvider();
      fake.provider.submit = async () => {
        throw new ApiCallError(`HTTP ${status}: upload failed`, { status });
      };
      const { model, store } = setup(fake);
      await expect(model.generate(request('a'))).rejects.toThrow(`HTTP ${status}: upload failed`);
      expect(store.jobs.listJobs().map((job) => job.status)).toEqual([journaled]);
      model.close();
      store.close();
    }
  });

  it('fails every request of a job the provider refused, with its message', async () => {
    const fake = fakeProvider({ failure: 'line 1: invalid model' });
    const { model, store } = setup(fake);
    const outcomes = await Promise.allSettled(['a', 'b'].map((text) => model.generate(request(text))));
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect(String((outcome as PromiseRejectedResult).reason.message)).toContain('line 1: invalid model');
    }
    expect(store.jobs.listJobs()[0]).toMatchObject({ status: 'failed', counts: { errored: 2 } });
    model.close();
    store.close();
  });

  it('after a kill mid-submission, adopts the job the provider has, and resubmits one that never arrived', async () => {
    const fake = fakeProvider();
    storeNumber += 1;
    const directory = temp(`store-${storeNumber}`);
    const store = openStore(directory);
    const customIdOf = async (text: string) => {
      // A first model journals the job as submitting and dies before the provider answers.
      const dying = createBatchApiModel({
        id: 'openai:test-model',
        simulated: false,
        supportsJsonSchema: true,
        store,
        gatherMs: 1,
        provider: { ...fake.provider, submit: () => new Promise<never>(() => {}) },
      });
      void dying.generate(request(text)).catch(() => {});
      await new Promise((resolveWait) => setTimeout(resolveWait, 20));
      dying.close();
    };
    await customIdOf('adopted');
    await customIdOf('lost');
    const [adopted, lost] = store.jobs.listJobs();
    expect(adopted!.status).toBe('submitting');
    // The provider got the first job (under the journaled job id), never the second.
    fake.jobs.push({ id: 'batch_adopted', entries: [], ended: false, jobId: adopted!.jobId });
    fake.jobs[0]!.entries.push({
      customId: store.jobs.pendingRequests(adopted!.jobId)[0]!,
      request: request('adopted'),
    });
    const { model, events } = setup(fake, { store });
    const replies = await Promise.all(['adopted', 'lost'].map((text) => model.generate(request(text))));
    expect(replies.map((reply) => reply.text)).toEqual(['reply to adopted', 'reply to lost']);
    expect(fake.jobs.map((job) => job.id)).toEqual(['batch_adopted', 'batch_1']);
    expect(store.jobs.getJob(adopted!.jobId)).toMatchObject({
      status: 'ended',
      providerJobId: 'batch_adopted',
    });
    expect(store.jobs.getJob(lost!.jobId)!.status).toBe('abandoned');
    expect(events.filter((event) => event.type === 'found')).toHaveLength(2);
    model.close();
    store.close();
  });

  it('rejects waiting calls with an AbortError when stopped, and keeps the job for the next process', async () => {
    const fake = fakeProvider();
    const controller = new AbortController();
    const { model, store } = setup(fake, {
      signal: controller.signal,
      sleep: () => new Promise<void>(() => {}),
    });
    const waiting = model.generate(request('a'));
    await new Promise((resolveWait) => setTimeout(resolveWait, 30));
    controller.abort();
    await expect(waiting).rejects.toSatisfy((error) => AbortError.isInstance(error));
    expect(store.jobs.listJobs()[0]!.status).toBe('submitted');
    model.close();
    store.close();
  });

  it('tells each call when its job reached the provider, and never a call stopped while still gathered', async () => {
    const fake = fakeProvider();
    const controller = new AbortController();
    let submitted: () => void = () => {};
    const jobWent = new Promise<void>((resolveJob) => (submitted = resolveJob));
    const { model, store } = setup(fake, {
      signal: controller.signal,
      sleep: () => new Promise<void>(() => {}),
      onEvent: (event) => event.type === 'submitted' && submitted(),
    });
    const sent: string[] = [];
    const ask = (text: string) => model.generate({ ...request(text), onSent: () => sent.push(text) });
    const first = ask('a');
    const second = ask('b');
    expect(sent).toEqual([]);
    await jobWent;
    expect(sent).toEqual(['a', 'b']);
    // The same request asked again once its job went: it went with it.
    const again = ask('a');
    expect(sent).toEqual(['a', 'b', 'a']);
    controller.abort();
    await Promise.allSettled([first, second, again]);
    model.close();
    store.close();

    // Stopped while gathered (a long gathering window): no job, and no call told it was sent.
    const gathering = new AbortController();
    const held = setup(fakeProvider(), { signal: gathering.signal, gatherMs: 60_000 });
    const dropped = held.model.generate({ ...request('c'), onSent: () => sent.push('c') });
    gathering.abort();
    await expect(dropped).rejects.toSatisfy((error) => AbortError.isInstance(error));
    expect(sent).not.toContain('c');
    expect(held.store.jobs.listJobs()).toEqual([]);
    held.model.close();
    held.store.close();
  });
});
