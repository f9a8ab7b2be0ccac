import Anthropic from '@anthropic-ai/sdk';
import type {
  MessageBatch,
  MessageBatchIndividualResponse,
  MessageBatchRequestCounts,
} from '@anthropic-ai/sdk/resources/messages/batches';
import type {
  Usage as AnthropicUsage,
  Message,
  TextBlock,
} from '@anthropic-ai/sdk/resources/messages/messages';
import OpenAI, { toFile } from 'openai';
import type { Batch, BatchRequestCounts, BatchUsage } from 'openai/resources/batches';
import type { FileObject } from 'openai/resources/files';
import { afterEach, describe, expect, it } from 'vitest';
import { renderBatch } from '../prompt/render-batch.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { createSimModel } from './create-sim-model.js';
import { type SimServer, type SimServerOptions, startSimServer } from './serve.js';

/*
 * The simulator's batch endpoints, driven through the official SDK clients. The key lists below are
 * typed `Record<keyof T, true>` against the SDKs' own types, so tsc fails when a provider type gains
 * or loses a field, and the tests fail when the simulator's objects do not carry exactly those.
 */

const openAiBatchKeys = {
  id: true,
  completion_window: true,
  created_at: true,
  endpoint: true,
  input_file_id: true,
  object: true,
  status: true,
  cancelled_at: true,
  cancelling_at: true,
  completed_at: true,
  error_file_id: true,
  errors: true,
  expired_at: true,
  expires_at: true,
  failed_at: true,
  finalizing_at: true,
  in_progress_at: true,
  metadata: true,
  model: true,
  output_file_id: true,
  request_counts: true,
  usage: true,
} satisfies Record<keyof Batch, true>;
const openAiCountKeys = { completed: true, failed: true, total: true } satisfies Record<
  keyof BatchRequestCounts,
  true
>;
const openAiUsageKeys = {
  input_tokens: true,
  input_tokens_details: true,
  output_tokens: true,
  output_tokens_details: true,
  total_tokens: true,
} satisfies Record<keyof BatchUsage, true>;
const fileKeys = {
  id: true,
  bytes: true,
  created_at: true,
  filename: true,
  object: true,
  purpose: true,
  status: true,
  expires_at: true,
  status_details: true,
} satisfies Record<keyof FileObject, true>;
const messageBatchKeys = {
  id: true,
  archived_at: true,
  cancel_initiated_at: true,
  created_at: true,
  ended_at: true,
  expires_at: true,
  processing_status: true,
  request_counts: true,
  results_url: true,
  type: true,
} satisfies Record<keyof MessageBatch, true>;
const messageBatchCountKeys = {
  canceled: true,
  errored: true,
  expired: true,
  processing: true,
  succeeded: true,
} satisfies Record<keyof MessageBatchRequestCounts, true>;
const messageKeys = {
  id: true,
  container: true,
  content: true,
  diagnostics: true,
  model: true,
  role: true,
  stop_details: true,
  stop_reason: true,
  stop_sequence: true,
  type: true,
  usage: true,
} satisfies Record<keyof Message, true>;
const anthropicUsageKeys = {
  cache_creation: true,
  cache_creation_input_tokens: true,
  cache_read_input_tokens: true,
  inference_geo: true,
  input_tokens: true,
  output_tokens: true,
  output_tokens_details: true,
  server_tool_use: true,
  service_tier: true,
  speed: true,
} satisfies Record<keyof AnthropicUsage, true>;
const textBlockKeys = { citations: true, text: true, type: true } satisfies Record<keyof TextBlock, true>;

function keysOf(value: object): string[] {
  return Object.keys(value).sort();
}
function expectedKeys(keys: object): string[] {
  return Object.keys(keys).sort();
}

const items = Array.from({ length: 30 }, (_, index) => ({
  id: `item-${index}`,
  fields: {
    question: `does the ferry number ${index} run on sundays`,
    passage: `Ferry -- Timetable ${index}: the ferry ${index % 3 === 0 ? 'runs' : 'does not run'} on Sundays.`,
  },
  gold: index % 3 === 0,
}));
const batches = [0, 1, 2, 3, 4].map((part) =>
  renderBatch(boolqTask, items.slice(part * 6, part * 6 + 6), { format: 'lines', tag: `t${part}` }),
);

const servers: SimServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(batch: SimServerOptions['batch'] = {}, now?: () => number) {
  const server = await startSimServer({
    task: boolqTask,
    items,
    seed: 3,
    quiet: true,
    batch,
    ...(now ? { now } : {}),
  });
  servers.push(server);
  return {
    server,
    openai: new OpenAI({ baseURL: server.url, apiKey: 'test', maxRetries: 0 }),
    anthropic: new Anthropic({ baseURL: server.url.replace(/\/v1$/, ''), apiKey: 'test', maxRetries: 0 }),
  };
}

function jsonl(): string {
  return `${batches
    .map((rendered, index) =>
      JSON.stringify({
        custom_id: `req-${index}`,
        method: 'POST',
        url: '/v1/chat/completions',
        body: { model: 'sim-gpt-4', messages: rendered.messages, max_completion_tokens: 300, temperature: 0 },
      }),
    )
    .join('\n')}\n`;
}

async function submitOpenAi(openai: OpenAI) {
  const file = await openai.files.create({
    file: await toFile(Buffer.from(jsonl()), 'input.jsonl'),
    purpose: 'batch',
  });
  return {
    file,
    batch: await openai.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata: { batchprompt_job: 'job-test' },
    }),
  };
}

async function lines(response: Response): Promise<Record<string, unknown>[]> {
  return (await response.text())
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('the simulator as OpenAI Files and Batch API', () => {
  it('takes an upload, runs the batch and serves output lines that answer as the model does', async () => {
    const { server, openai } = await start();
    const { file, batch } = await submitOpenAi(openai);
    expect(keysOf(file)).toEqual(expectedKeys(fileKeys));
    expect(file).toMatchObject({ object: 'file', purpose: 'batch', status: 'processed' });
    expect(keysOf(batch)).toEqual(expectedKeys(openAiBatchKeys));
    expect(batch.status).toBe('validating');
    expect(batch.metadata).toEqual({ batchprompt_job: 'job-test' });
    expect(await (await openai.files.content(file.id)).text()).toBe(jsonl());

    const done = await openai.batches.retrieve(batch.id);
    expect(done.status).toBe('completed');
    expect(keysOf(done)).toEqual(expectedKeys(openAiBatchKeys));
    expect(keysOf(done.request_counts!)).toEqual(expectedKeys(openAiCountKeys));
    expect(keysOf(done.usage!)).toEqual(expectedKeys(openAiUsageKeys));
    expect(done.request_counts).toEqual({ total: 5, completed: 5, failed: 0 });
    expect(done.error_file_id).toBeNull();
    const output = await lines(await openai.files.content(done.output_file_id!));
    expect(output.map((line) => line.custom_id)).toEqual(['req-0', 'req-1', 'req-2', 'req-3', 'req-4']);

    const model = createSimModel({ task: boolqTask, items, seed: 3 });
    const expected = await model.generate({ messages: batches[2]!.messages, maxOutputTokens: 300 });
    const response = output[2]!.response as { status_code: number; body: OpenAI.ChatCompletion };
    expect(response.status_code).toBe(200);
    expect(response.body.choices[0]?.message.content).toBe(expected.text);
    expect(response.body.usage?.prompt_tokens).toBe(expected.usage.inputTokens);
    expect(done.usage?.input_tokens).toBe(server.stats().batch.promptTokens);
    expect(server.stats().batch).toMatchObject({
      filesUploaded: 1,
      jobsCreated: 1,
      requestsSubmitted: 5,
      requestsAnswered: 5,
    });

    const listed = await openai.batches.list();
    expect(listed.data.map((entry) => entry.id)).toEqual([batch.id]);
  });

  it('expires a job with 60% done: the output file has those, the error file says batch_expired for the rest', async () => {
    let clock = 1_000_000;
    const { server, openai } = await start({ completionDelayMs: 10_000, expireJobs: 1 }, () => clock);
    const { batch } = await submitOpenAi(openai);
    const running = await openai.batches.retrieve(batch.id);
    expect(running.status).toBe('in_progress');
    expect(running.output_file_id).toBeNull();
    clock += 10_000;
    const expired = await openai.batches.retrieve(batch.id);
    expect(expired.status).toBe('expired');
    expect(expired.expired_at).toBeGreaterThan(0);
    expect(expired.request_counts).toEqual({ total: 5, completed: 3, failed: 2 });
    const output = await lines(await openai.files.content(expired.output_file_id!));
    const errors = await lines(await openai.files.content(expired.error_file_id!));
    expect(output).toHaveLength(3);
    expect(errors).toHaveLength(2);
    expect(errors.every((line) => (line.error as { code: string }).code === 'batch_expired')).toBe(true);
    expect(new Set([...output, ...errors].map((line) => line.custom_id)).size).toBe(5);
    expect(server.stats().batch.requestsAnswered).toBe(3);

    // The next job is not a faulty one.
    const second = await submitOpenAi(openai);
    clock += 10_000;
    expect((await openai.batches.retrieve(second.batch.id)).status).toBe('completed');
  });

  it('fails a job at validation, with the line and reason', async () => {
    const { openai } = await start({ failValidationJobs: 1 });
    const { batch } = await submitOpenAi(openai);
    const failed = await openai.batches.retrieve(batch.id);
    expect(failed.status).toBe('failed');
    expect(failed.errors?.data?.[0]).toMatchObject({ code: 'invalid_request', line: 1 });
    expect(failed.output_file_id).toBeNull();

    const bad = await openai.files.create({
      file: await toFile(
        Buffer.from('{"custom_id":"a","method":"POST","url":"/v1/embeddings","body":{"model":"m"}}\n'),
        'bad.jsonl',
      ),
      purpose: 'batch',
    });
    const refused = await openai.batches.retrieve(
      (
        await openai.batches.create({
          input_file_id: bad.id,
          endpoint: '/v1/chat/completions',
          completion_window: '24h',
        })
      ).id,
    );
    expect(refused.status).toBe('failed');
    expect(refused.errors?.data?.[0]?.message).toContain('url');
  });

  it('puts per-request errors of a completed job in the error file with their status code', async () => {
    // A fixed clock fixes the job's id, and with it which of the requests err: with the wall clock
    // all of them succeeded in about one run in 30.
    const { openai } = await start({ requestErrorRate: 0.5 }, () => 1_000_000);
    // Which requests fail follows from the job id, which is new each time: one job in 16 of five
    // requests has all or none failed, so jobs are submitted until one has both kinds.
    let done = await openai.batches.retrieve((await submitOpenAi(openai)).batch.id);
    for (let tries = 1; tries < 20 && [0, 5].includes(done.request_counts!.failed); tries += 1) {
      done = await openai.batches.retrieve((await submitOpenAi(openai)).batch.id);
    }
    expect(done.status).toBe('completed');
    const failed = done.request_counts!.failed;
    expect(failed).toBeGreaterThan(0);
    expect(failed).toBeLessThan(5);
    const errors = await lines(await openai.files.content(done.error_file_id!));
    expect(errors).toHaveLength(failed);
    expect((errors[0]!.response as { status_code: number }).status_code).toBe(500);
  });

  it('cancels a running job: cancelling, then cancelled with what was done by then', async () => {
    let clock = 5_000_000;
    const { server, openai } = await start({ completionDelayMs: 10_000 }, () => clock);
    const { batch } = await submitOpenAi(openai);
    clock += 5_000;
    const cancelling = await openai.batches.cancel(batch.id);
    expect(cancelling.status).toBe('cancelling');
    const cancelled = await openai.batches.retrieve(batch.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.request_counts?.completed).toBeGreaterThan(0);
    expect(cancelled.request_counts?.completed).toBeLessThan(5);
    expect(server.stats().batch.cancels).toBe(1);
    await expect(openai.batches.cancel(batch.id)).rejects.toThrow(/cannot cancel/i);
  });
});

describe('the simulator as Anthropic Message Batches API', () => {
  function requests() {
    return batches.map((rendered, index) => ({
      custom_id: `req-${index}`,
      params: {
        model: 'sim-claude',
        max_tokens: 300,
        temperature: 0,
        system: rendered.messages[0]!.content,
        messages: rendered.messages.slice(1).map((message) => ({
          role: message.role as 'user' | 'assistant',
          content: message.content,
        })),
      },
    }));
  }

  it('creates, lists and ends a batch whose results answer as the model does', async () => {
    let clock = 2_000_000;
    const { anthropic } = await start({ completionDelayMs: 1_000 }, () => clock);
    const created = await anthropic.messages.batches.create({ requests: requests() });
    expect(keysOf(created)).toEqual(expectedKeys(messageBatchKeys));
    expect(keysOf(created.request_counts)).toEqual(expectedKeys(messageBatchCountKeys));
    expect(created).toMatchObject({
      type: 'message_batch',
      processing_status: 'in_progress',
      results_url: null,
    });
    expect(created.request_counts.processing).toBe(5);
    await expect(anthropic.messages.batches.results(created.id)).rejects.toThrow(/results_url/);

    clock += 1_000;
    const ended = await anthropic.messages.batches.retrieve(created.id);
    expect(ended.processing_status).toBe('ended');
    expect(ended.request_counts).toEqual({
      processing: 0,
      succeeded: 5,
      errored: 0,
      canceled: 0,
      expired: 0,
    });
    expect(ended.results_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/messages\/batches\/.+\/results$/);
    const results: MessageBatchIndividualResponse[] = [];
    for await (const entry of await anthropic.messages.batches.results(created.id)) results.push(entry);
    expect(results.map((entry) => entry.custom_id)).toEqual(['req-0', 'req-1', 'req-2', 'req-3', 'req-4']);
    const first = results[0]!.result;
    if (first.type !== 'succeeded') throw new Error(`expected a success, got ${first.type}`);
    expect(keysOf(first.message)).toEqual(expectedKeys(messageKeys));
    expect(keysOf(first.message.usage)).toEqual(expectedKeys(anthropicUsageKeys));
    expect(keysOf(first.message.content[0]!)).toEqual(expectedKeys(textBlockKeys));
    const model = createSimModel({ task: boolqTask, items, seed: 3 });
    const expected = await model.generate({ messages: batches[0]!.messages, maxOutputTokens: 300 });
    expect(first.message.content[0]).toMatchObject({ type: 'text', text: expected.text });
    expect(first.message.usage.input_tokens).toBe(expected.usage.inputTokens);

    const listed = await anthropic.messages.batches.list();
    expect(listed.data.map((entry) => entry.id)).toEqual([created.id]);
  });

  it('expires with part done, cancels, refuses a bad batch, and reports per-request errors', async () => {
    let clock = 3_000_000;
    const { anthropic } = await start(
      { completionDelayMs: 1_000, failValidationJobs: 1, expireJobs: 1 },
      () => clock,
    );
    await expect(anthropic.messages.batches.create({ requests: requests() })).rejects.toThrow(
      /simulated fault/,
    );
    const expiring = await anthropic.messages.batches.create({ requests: requests() });
    clock += 1_000;
    const expired = await anthropic.messages.batches.retrieve(expiring.id);
    expect(expired.request_counts).toMatchObject({ succeeded: 3, expired: 2 });
    const kinds: string[] = [];
    for await (const entry of await anthropic.messages.batches.results(expiring.id))
      kinds.push(entry.result.type);
    expect(kinds.sort()).toEqual(['expired', 'expired', 'succeeded', 'succeeded', 'succeeded']);

    const running = await anthropic.messages.batches.create({ requests: requests() });
    const canceling = await anthropic.messages.batches.cancel(running.id);
    expect(canceling.processing_status).toBe('canceling');
    expect(canceling.cancel_initiated_at).not.toBeNull();
    const canceled = await anthropic.messages.batches.retrieve(running.id);
    expect(canceled.processing_status).toBe('ended');
    expect(canceled.request_counts.canceled).toBe(5);

    await expect(
      anthropic.messages.batches.create({
        requests: [{ custom_id: 'bad id!', params: requests()[0]!.params }],
      }),
    ).rejects.toThrow(/custom_id/);
  });

  it('reports per-request errors as errored results', async () => {
    // A fixed clock fixes the job's id, and with it which of the requests err (see above).
    const { anthropic } = await start({ requestErrorRate: 0.5 }, () => 1_000_000);
    const created = await anthropic.messages.batches.create({ requests: requests() });
    const ended = await anthropic.messages.batches.retrieve(created.id);
    expect(ended.request_counts.errored).toBeGreaterThan(0);
    const errored: MessageBatchIndividualResponse[] = [];
    for await (const entry of await anthropic.messages.batches.results(created.id)) {
      if (entry.result.type === 'errored') errored.push(entry);
    }
    expect(errored).toHaveLength(ended.request_counts.errored);
    const result = errored[0]!.result;
    expect(result.type === 'errored' && result.error.error.type).toBe('api_error');
  });
});
