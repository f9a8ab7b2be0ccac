import { readFileSync } from 'node:fs';
import { ApiError, type BatchJob, GoogleGenAI } from '@google/genai';
import { afterEach, describe, expect, it } from 'vitest';
import { renderBatch } from '../prompt/render-batch.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { useTempDir } from '../test/temp-dir.js';
import { createSimModel } from './create-sim-model.js';
import { type SimServer, startSimServer } from './serve.js';

/*
 * The simulator's Gemini batch routes, driven by `@google/genai` itself: what the SDK reads from
 * them (its `BatchJob` and `File` objects) is what the batch provider will read from Gemini.
 */

const temp = useTempDir();
const items = Array.from({ length: 12 }, (_, index) => ({
  id: `item-${index}`,
  fields: {
    question: `is lamp ${index} lit at night`,
    passage: `Lamp ${index}: it ${index % 2 === 0 ? 'is' : 'is not'} lit at night.`,
  },
  gold: index % 2 === 0,
}));
const prompts = [0, 1, 2].map(
  (part) =>
    renderBatch(boolqTask, items.slice(part * 4, part * 4 + 4), { format: 'lines', tag: `s${part}` })
      .messages,
);

const servers: SimServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(batch: NonNullable<Parameters<typeof startSimServer>[0]['batch']> = {}) {
  const clock = { now: Date.parse('2026-05-01T00:00:00Z') };
  const server = await startSimServer({
    task: boolqTask,
    items,
    seed: 2,
    quiet: true,
    batch,
    now: () => clock.now,
  });
  servers.push(server);
  const ai = new GoogleGenAI({
    apiKey: 'test',
    httpOptions: { baseUrl: server.url.replace(/\/v1$/, ''), apiVersion: 'v1beta' },
  });
  return { server, clock, ai };
}

function line(key: string, messages: (typeof prompts)[number], json = false) {
  const [system, ...turns] = messages;
  return JSON.stringify({
    key,
    request: {
      systemInstruction: { parts: [{ text: system!.content }] },
      contents: turns.map((turn) => ({
        role: turn.role === 'assistant' ? 'model' : 'user',
        parts: [{ text: turn.content }],
      })),
      generationConfig: {
        maxOutputTokens: 300,
        temperature: 0,
        ...(json
          ? {
              responseMimeType: 'application/json',
              responseJsonSchema: { type: 'object', properties: { answers: { type: 'array' } } },
            }
          : {}),
      },
    },
  });
}

async function submit(ai: GoogleGenAI, lines: string[], displayName = 'sim test') {
  const file = await ai.files.upload({
    file: new Blob([`${lines.join('\n')}\n`]),
    config: { displayName: 'input.jsonl', mimeType: 'jsonl' },
  });
  const job = await ai.batches.create({ model: 'sim-gemini', src: file.name!, config: { displayName } });
  return { file, job };
}

async function responses(ai: GoogleGenAI, job: BatchJob): Promise<Record<string, unknown>[]> {
  const path = temp(`${job.name!.replace('/', '-')}.jsonl`);
  await ai.files.download({ file: job.dest!.fileName!, downloadPath: path });
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((text) => JSON.parse(text) as Record<string, unknown>);
}

describe('the simulator as Gemini batch mode', () => {
  it('takes a resumable upload and a file-based batch, and serves keyed responses that answer as the model does', async () => {
    const { server, clock, ai } = await start({ completionDelayMs: 1_000 });
    const lines = prompts.map((messages, index) => line(`req-${index}`, messages, index === 2));
    const { file, job } = await submit(ai, lines);
    expect(file).toMatchObject({ mimeType: 'jsonl', state: 'ACTIVE', displayName: 'input.jsonl' });
    expect(file.name).toMatch(/^files\//);
    expect(Number(file.sizeBytes)).toBe(Buffer.byteLength(`${lines.join('\n')}\n`));
    expect(job).toMatchObject({
      displayName: 'sim test',
      state: 'JOB_STATE_PENDING',
      model: 'models/sim-gemini',
    });
    expect(job.name).toMatch(/^batches\//);
    expect(job.dest).toBeUndefined();

    expect((await ai.batches.get({ name: job.name! })).state).toBe('JOB_STATE_RUNNING');
    clock.now += 1_000;
    const done = await ai.batches.get({ name: job.name! });
    expect(done.state).toBe('JOB_STATE_SUCCEEDED');
    expect(done.dest?.fileName).toMatch(/^files\//);
    const output = await responses(ai, done);
    expect(output.map((entry) => entry.key)).toEqual(['req-0', 'req-1', 'req-2']);

    const model = createSimModel({ task: boolqTask, items, seed: 2 });
    const expected = await model.generate({ messages: prompts[1]!, maxOutputTokens: 300 });
    const response = output[1]!.response as {
      candidates: { content: { parts: { text: string }[] }; finishReason: string }[];
      usageMetadata: { promptTokenCount: number; candidatesTokenCount: number };
    };
    expect(response.candidates[0]).toMatchObject({
      content: { parts: [{ text: expected.text }] },
      finishReason: 'STOP',
    });
    expect(response.usageMetadata).toMatchObject({
      promptTokenCount: expected.usage.inputTokens,
      candidatesTokenCount: expected.usage.outputTokens,
    });
    // A JSON schema asked for JSON, as the online route would answer it.
    const json = output[2]!.response as typeof response;
    expect(() => JSON.parse(json.candidates[0]!.content.parts[0]!.text)).not.toThrow();
    expect(server.stats().batch).toMatchObject({ filesUploaded: 1, jobsCreated: 1, requestsAnswered: 3 });
  });

  it('lists batches newest first page by page, and cancels a running one with what was done by then', async () => {
    const { server, clock, ai } = await start({ completionDelayMs: 10_000 });
    const first = await submit(ai, [line('a', prompts[0]!)], 'first');
    const second = await submit(
      ai,
      prompts.map((messages, index) => line(`b${index}`, messages)),
      'second',
    );
    const names: (string | undefined)[] = [];
    for await (const job of await ai.batches.list({ config: { pageSize: 1 } })) names.push(job.displayName);
    expect(names).toEqual(['second', 'first']);

    clock.now += 7_000;
    await ai.batches.cancel({ name: second.job.name! });
    const cancelled = await ai.batches.get({ name: second.job.name! });
    expect(cancelled.state).toBe('JOB_STATE_CANCELLED');
    // Seven tenths of the delay had passed: two of the three requests ran.
    expect(await responses(ai, cancelled)).toHaveLength(2);
    expect(server.stats().batch).toMatchObject({ cancels: 1, requestsCanceled: 1 });
    await expect(ai.batches.cancel({ name: second.job.name! })).rejects.toThrow(/already ended/);
    expect((await ai.batches.get({ name: first.job.name! })).state).toBe('JOB_STATE_RUNNING');
  });

  it('expires, fails validation, reports per-request errors as error lines, and refuses what it does not serve', async () => {
    const { clock, ai } = await start({ completionDelayMs: 1_000, failValidationJobs: 1, expireJobs: 1 });
    const failed = await submit(ai, [line('a', prompts[0]!)]);
    expect(failed.job.state).toBe('JOB_STATE_FAILED');
    const expiring = await submit(
      ai,
      prompts.map((messages, index) => line(`e${index}`, messages)),
    );
    clock.now += 1_000;
    const expired = await ai.batches.get({ name: expiring.job.name! });
    expect(expired.state).toBe('JOB_STATE_EXPIRED');
    expect(await responses(ai, expired)).toHaveLength(2);

    const erring = await start({ requestErrorRate: 1 });
    const done = await erring.ai.batches.get({
      name: (await submit(erring.ai, [line('x', prompts[0]!)])).job.name!,
    });
    expect(await responses(erring.ai, done)).toEqual([
      {
        key: 'x',
        error: { code: 500, message: expect.stringContaining('simulated fault'), status: 'INTERNAL' },
      },
    ]);

    const inline = erring.ai.batches.create({
      model: 'sim-gemini',
      src: [{ contents: [{ role: 'user', parts: [{ text: 'hello' }] }] }],
    });
    await expect(inline).rejects.toSatisfy(
      (error) =>
        error instanceof ApiError && error.status === 400 && /uploaded file only/.test(error.message),
    );
    await expect(erring.ai.batches.get({ name: 'batches/none' })).rejects.toSatisfy(
      (error) => error instanceof ApiError && error.status === 404,
    );
    const bad = await submit(erring.ai, ['{"key":"k","request":{"contents":[]}}']);
    expect(bad.job.state).toBe('JOB_STATE_FAILED');
  });

  it('lists its model at /v1beta/models, so that a Gemini base URL is recognised as the simulator', async () => {
    const { server } = await start();
    const { isSimulatorEndpoint } = await import('../models/detect-simulator.js');
    expect(await isSimulatorEndpoint(server.url.replace(/\/v1$/, '/v1beta'))).toBe(true);
  });
});
