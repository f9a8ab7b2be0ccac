import { readFileSync } from 'node:fs';
import { GoogleGenAI } from '@google/genai';
import { afterEach, describe, expect, it } from 'vitest';
import { renderBatch } from '../prompt/render-batch.js';
import { geminiHttpOptions } from '../providers/provider-factories.js';
import { createSimModel } from '../sim/create-sim-model.js';
import { type SimServer, startSimServer } from '../sim/serve.js';
import type { GenerateRequest } from '../spec/chat-model.js';
import { AbortError } from '../spec/errors.js';
import { openStore } from '../store/open-store.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { rejectionOf } from '../test/rejection-of.js';
import { useTempDir } from '../test/temp-dir.js';
import { type BatchJobEvent, createBatchApiModel } from './batch-api-model.js';
import type { BatchProvider } from './batch-provider.js';
import { createGeminiBatchProvider, geminiDisplayName } from './gemini-batch-provider.js';

/*
 * Gemini batch mode end to end: the batch model journals and waits, the provider speaks to the
 * simulator through `@google/genai` itself (upload, create, get, list, cancel, download). The
 * simulator's clock is the test's: a job ends when a wait of the batch model moves the clock past
 * the completion delay, never because the machine was fast or slow. A "kill" is a batch model
 * closed while its job runs (or its submission hangs), its store reopened by the next one: all a
 * process keeps between runs is that store.
 */

const temp = useTempDir();
let storeNumber = 0;

const items = Array.from({ length: 24 }, (_, index) => ({
  id: `item-${index}`,
  fields: {
    question: `does the bus number ${index} stop at the harbour`,
    passage: `Bus ${index}: the line ${index % 3 === 0 ? 'stops' : 'does not stop'} at the harbour.`,
  },
  gold: index % 3 === 0,
}));
/** Four prompts of six items, as the engine would send a round. */
const requests: GenerateRequest[] = [0, 1, 2, 3].map((part) => ({
  messages: renderBatch(boolqTask, items.slice(part * 6, part * 6 + 6), { format: 'lines', tag: `g${part}` })
    .messages,
  maxOutputTokens: 200,
}));

const servers: SimServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(batch: NonNullable<Parameters<typeof startSimServer>[0]['batch']>) {
  const clock = { now: Date.parse('2026-04-01T00:00:00Z') };
  const server = await startSimServer({
    task: boolqTask,
    items,
    seed: 5,
    quiet: true,
    batch,
    now: () => clock.now,
  });
  servers.push(server);
  const client = new GoogleGenAI({
    apiKey: 'gemini-test-key',
    httpOptions: geminiHttpOptions(server.url.replace(/\/v1$/, '/v1beta')),
  });
  const provider = createGeminiBatchProvider({ client, model: 'sim-gemini', secrets: ['gemini-test-key'] });
  return { server, clock, client, provider };
}

function model(
  provider: BatchProvider,
  clock: { now: number },
  options: Partial<Parameters<typeof createBatchApiModel>[0]> = {},
) {
  if (options.store === undefined) storeNumber += 1;
  const store = options.store ?? openStore(temp(`store-${storeNumber}`));
  const events: BatchJobEvent[] = [];
  const batchModel = createBatchApiModel({
    id: 'google:sim-gemini',
    simulated: true,
    supportsJsonSchema: true,
    provider,
    store,
    gatherMs: 5,
    pollIntervalMs: 1,
    maxPollIntervalMs: 2,
    // Every wait between status checks lets an hour pass at the simulator.
    sleep: async () => {
      clock.now += 3_600_000;
      await new Promise((resolveWait) => setImmediate(resolveWait));
    },
    onEvent: (event) => events.push(event),
    ...options,
  });
  return { batchModel, store, events };
}

async function expected() {
  const sim = createSimModel({ task: boolqTask, items, seed: 5 });
  return Promise.all(requests.map((request) => sim.generate(request)));
}

describe('Gemini batch mode through @google/genai against the simulator', () => {
  it('submits one job for a round, polls it, and collects each reply by its key with its usageMetadata', async () => {
    const { server, clock, client, provider } = await start({ completionDelayMs: 60_000 });
    const { batchModel, store, events } = model(provider, clock, {
      // Two status checks: running, then ended.
      sleep: async () => {
        clock.now += 40_000;
      },
    });
    const replies = await Promise.all(requests.map((request) => batchModel.generate(request)));
    const reference = await expected();
    expect(replies.map((reply) => reply.text)).toEqual(reference.map((reply) => reply.text));
    // Usage as Gemini reported it (promptTokenCount, candidatesTokenCount), not a local count.
    expect(replies.map((reply) => reply.usage)).toEqual(
      reference.map((reply) => ({
        inputTokens: reply.usage.inputTokens,
        outputTokens: reply.usage.outputTokens,
      })),
    );
    expect(server.stats().batch).toMatchObject({
      filesUploaded: 1,
      jobsCreated: 1,
      requestsSubmitted: 4,
      requestsAnswered: 4,
    });
    const [job] = store.jobs.listJobs();
    expect(job).toMatchObject({
      provider: 'google',
      status: 'ended',
      providerStatus: 'JOB_STATE_SUCCEEDED',
      counts: { succeeded: 4 },
    });
    expect(job!.providerJobId).toMatch(/^batches\//);
    expect(job!.inputFileId).toMatch(/^files\//);
    expect(events.map((event) => event.type)).toEqual(['submitted', 'status', 'ended']);
    const status = events.find((event) => event.type === 'status');
    expect(status?.type === 'status' && status.state.counts).toBeUndefined();

    // The uploaded file holds one keyed GenerateContentRequest per request.
    const path = temp('input.jsonl');
    await client.files.download({ file: job!.inputFileId!, downloadPath: path });
    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.key).sort()).toEqual(
      store.jobs.listRequests(job!.jobId).map((r) => r.customId),
    );
    const [system, ...turns] = requests[0]!.messages;
    const line = lines.find((entry) => entry.request.contents.at(-1).parts[0].text === turns.at(-1)!.content);
    expect(system!.role).toBe('system');
    expect(line.request).toEqual({
      systemInstruction: { parts: [{ text: system!.content }] },
      contents: turns.map((turn) => ({
        role: turn.role === 'assistant' ? 'model' : 'user',
        parts: [{ text: turn.content }],
      })),
      generationConfig: { temperature: 0, maxOutputTokens: 200 },
    });
    batchModel.close();
    store.close();
  });

  it('after a kill while its job runs, re-attaches to the job and pays for nothing twice', async () => {
    const { server, clock, provider } = await start({ completionDelayMs: 60_000 });
    const first = model(provider, clock, { sleep: () => new Promise<void>(() => {}) });
    const pending = requests.map((request) => first.batchModel.generate(request).catch((error) => error));
    await waitFor(() => first.store.jobs.listJobs()[0]?.status === 'submitted');
    first.batchModel.close();
    for (const outcome of await Promise.all(pending)) expect(AbortError.isInstance(outcome)).toBe(true);

    const second = model(provider, clock, { store: first.store });
    const replies = await Promise.all(requests.map((request) => second.batchModel.generate(request)));
    expect(replies.map((reply) => reply.text)).toEqual((await expected()).map((reply) => reply.text));
    expect(second.events[0]?.type).toBe('found');
    expect(second.events.some((event) => event.type === 'submitted')).toBe(false);
    expect(server.stats().batch).toMatchObject({ filesUploaded: 1, jobsCreated: 1, requestsAnswered: 4 });
    second.batchModel.close();
    second.store.close();
  });

  it('after a kill between creating the batch and journaling it, finds the batch by its display name', async () => {
    const { server, clock, provider } = await start({ completionDelayMs: 60_000 });
    const created: string[] = [];
    const dying: BatchProvider = {
      ...provider,
      // The provider has the batch; the process dies before it learns its name.
      submit: async (entries, context) => {
        created.push((await provider.submit(entries, context)).providerJobId);
        return new Promise<never>(() => {});
      },
    };
    const first = model(dying, clock);
    for (const request of requests) void first.batchModel.generate(request).catch(() => {});
    await waitFor(() => created.length === 1);
    first.batchModel.close();
    const [journaled] = first.store.jobs.listJobs();
    expect(journaled).toMatchObject({ status: 'submitting', providerJobId: undefined });
    expect(journaled!.inputFileId).toMatch(/^files\//);

    const second = model(provider, clock, { store: first.store });
    const replies = await Promise.all(requests.map((request) => second.batchModel.generate(request)));
    expect(replies).toHaveLength(4);
    expect(first.store.jobs.getJob(journaled!.jobId)).toMatchObject({
      status: 'ended',
      providerJobId: created[0],
    });
    expect(server.stats().batch).toMatchObject({ jobsCreated: 1, requestsAnswered: 4 });
    second.batchModel.close();
    second.store.close();
  });

  it('submits again what never became a batch: an upload whose batch was not created', async () => {
    const { server, clock, client, provider } = await start({ completionDelayMs: 60_000 });
    const hanging = createGeminiBatchProvider({
      // The upload goes through; the process dies while the batch is being created.
      client: {
        files: client.files,
        batches: { ...client.batches, create: () => new Promise<never>(() => {}) },
      } as unknown as GoogleGenAI,
      model: 'sim-gemini',
      secrets: [],
    });
    const first = model(hanging, clock);
    for (const request of requests) void first.batchModel.generate(request).catch(() => {});
    await waitFor(() => server.stats().batch.filesUploaded === 1);
    first.batchModel.close();

    const second = model(provider, clock, { store: first.store });
    await Promise.all(requests.map((request) => second.batchModel.generate(request)));
    expect(second.events.find((event) => event.type === 'resubmitting')).toMatchObject({ reason: 'lost' });
    expect(first.store.jobs.listJobs().map((job) => job.status)).toEqual(['abandoned', 'ended']);
    expect(server.stats().batch).toMatchObject({ filesUploaded: 2, jobsCreated: 1, requestsAnswered: 4 });
    second.batchModel.close();
    second.store.close();
  });

  it('stops when its job is cancelled, keeps what finished, and a rerun submits only the rest', async () => {
    const { server, clock, provider } = await start({ completionDelayMs: 60_000 });
    let waits = 0;
    const first = model(provider, clock, {
      // The model sees the job running once; when half the delay has passed, the job is cancelled
      // from elsewhere (as `batchprompt jobs cancel` does).
      sleep: async () => {
        waits += 1;
        clock.now += waits === 1 ? 20_000 : 10_000;
        const [job] = first.store.jobs.listJobs();
        if (waits === 2) {
          const state = await provider.cancel(job!.providerJobId!);
          expect(state.cancelled).toBe(true);
        }
      },
    });
    const outcomes = await Promise.allSettled(requests.map((request) => first.batchModel.generate(request)));
    const done = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
    expect(done).toBe(2);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(AbortError.isInstance(outcome.reason)).toBe(true);
    }
    const [cancelled] = first.store.jobs.listJobs();
    expect(cancelled).toMatchObject({
      providerStatus: 'JOB_STATE_CANCELLED',
      counts: { succeeded: 2, canceled: 2 },
    });
    first.batchModel.close();

    const second = model(provider, clock, { store: first.store });
    await Promise.all(requests.map((request) => second.batchModel.generate(request)));
    const jobs = first.store.jobs.listJobs();
    expect(jobs).toHaveLength(2);
    expect(jobs[1]!.requestCount).toBe(2);
    expect(server.stats().batch).toMatchObject({ jobsCreated: 2, cancels: 1, requestsAnswered: 4 });
    second.batchModel.close();
    second.store.close();
  });

  it('resubmits what expired or failed with a server error, and fails a batch Gemini failed with its reason', async () => {
    const { server, clock, provider } = await start({
      completionDelayMs: 60_000,
      expireJobs: 1,
      expireDoneShare: 0.5,
    });
    const expiring = model(provider, clock);
    await Promise.all(requests.map((request) => expiring.batchModel.generate(request)));
    const [expired, followUp] = expiring.store.jobs.listJobs();
    expect(expired).toMatchObject({
      providerStatus: 'JOB_STATE_EXPIRED',
      counts: { succeeded: 2, expired: 2 },
    });
    expect(followUp).toMatchObject({ requestCount: 2, counts: { succeeded: 2 } });
    expect(server.stats().batch.requestsAnswered).toBe(4);
    expiring.batchModel.close();
    expiring.store.close();

    const erring = await start({ requestErrorRate: 0.5 });
    // Half of all requests fail: 10 resubmissions leave a request failed about once in 2,000.
    const retried = model(erring.provider, erring.clock, { maxRetries: 10 });
    const replies = await Promise.all(requests.map((request) => retried.batchModel.generate(request)));
    expect(replies).toHaveLength(4);
    const jobs = retried.store.jobs.listJobs();
    expect(jobs.length).toBeGreaterThan(1);
    expect(jobs.reduce((sum, job) => sum + job.counts.errored, 0)).toBe(
      erring.server.stats().batch.requestsErrored,
    );
    retried.batchModel.close();
    retried.store.close();

    const refusing = await start({ failValidationJobs: 1 });
    const refused = model(refusing.provider, refusing.clock);
    const failures = await Promise.allSettled(
      requests.map((request) => refused.batchModel.generate(request)),
    );
    for (const failure of failures) {
      expect(failure.status).toBe('rejected');
      expect(String((failure as PromiseRejectedResult).reason.message)).toContain(
        'Gemini reports the batch as failed',
      );
    }
    expect(refused.store.jobs.listJobs()[0]).toMatchObject({
      status: 'failed',
      providerStatus: 'JOB_STATE_FAILED',
    });
    refused.batchModel.close();
    refused.store.close();
  });

  it('fails a request that ended in a server error with its HTTP status', async () => {
    const erring = await start({ requestErrorRate: 1 });
    const failing = model(erring.provider, erring.clock, { maxRetries: 0 });
    const [failed] = await Promise.allSettled([failing.batchModel.generate(requests[0]!)]);
    expect((failed as PromiseRejectedResult).reason).toMatchObject({ status: 500, isRetryable: false });
    failing.batchModel.close();
    failing.store.close();
  });

  it('names its batches after the journaled job, and keeps the key out of every error', async () => {
    expect(geminiDisplayName('job-0123456789')).toBe('batchprompt job-0123456789');
    const { provider } = await start({});
    const error = await rejectionOf(provider.retrieve('batches/none'));
    expect(error.message).toMatch(/retrieving batch batches\/none failed \(HTTP 404\)/);
    expect(error.message).not.toContain('gemini-test-key');
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  // Bounded by the test's own timeout; each turn yields to the I/O it waits for.
  while (!condition()) await new Promise((resolveWait) => setTimeout(resolveWait, 2));
}
