import { Agent, request as httpRequest } from 'node:http';
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderBatch } from '../prompt/render-batch.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { createSimModel } from './create-sim-model.js';
import { type SimServer, startSimServer } from './serve.js';

const items = Array.from({ length: 40 }, (_, index) => ({
  id: `item-${index}`,
  fields: {
    question: `does the ferry number ${index} run on sundays`,
    passage: `Ferry -- Timetable ${index}: the ferry ${index % 3 === 0 ? 'runs' : 'does not run'} on Sundays.`,
  },
  gold: index % 3 === 0,
}));

const servers: SimServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options: Partial<Parameters<typeof startSimServer>[0]> = {}) {
  const server = await startSimServer({ task: boolqTask, items, seed: 5, quiet: true, ...options });
  servers.push(server);
  return { server, client: new OpenAI({ baseURL: server.url, apiKey: 'test', maxRetries: 0 }) };
}

describe('startSimServer', () => {
  it('answers chat completions exactly as the in-process model does, with usage', async () => {
    const { client } = await start();
    const model = createSimModel({ task: boolqTask, items, seed: 5 });
    const rendered = renderBatch(boolqTask, items.slice(0, 12), { format: 'lines', tag: 'p4k2' });
    const completion = await client.chat.completions.create({
      model: 'sim:gpt-4',
      messages: rendered.messages,
      max_tokens: 400,
    });
    const expected = await model.generate({ messages: rendered.messages, maxOutputTokens: 400 });
    expect(completion.choices[0]?.message.content).toBe(expected.text);
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toEqual({
      prompt_tokens: expected.usage.inputTokens,
      completion_tokens: expected.usage.outputTokens,
      total_tokens: expected.usage.inputTokens + expected.usage.outputTokens,
      // As OpenAI reports it on every reply; a prompt this short is never cached.
      prompt_tokens_details: { cached_tokens: 0 },
    });
  });

  it('answers a json_schema request with JSON', async () => {
    const { client } = await start();
    const rendered = renderBatch(boolqTask, items.slice(0, 4), { format: 'json', tag: 'j9x3' });
    const schema = rendered.responseFormat.type === 'json' ? rendered.responseFormat.schema : {};
    const completion = await client.chat.completions.create({
      model: 'sim:gpt-4',
      messages: rendered.messages,
      response_format: { type: 'json_schema', json_schema: { name: 'batch_answers', schema, strict: true } },
    });
    const body = JSON.parse(completion.choices[0]?.message.content ?? '') as { answers: { id: string }[] };
    expect(body.answers.map((entry) => entry.id)).toEqual(['0 j9x3', '1 j9x3', '2 j9x3', '3 j9x3']);
  });

  it('cuts the reply at max_completion_tokens with finish_reason length', async () => {
    const { client } = await start();
    const rendered = renderBatch(boolqTask, items.slice(0, 12), { format: 'lines', tag: 'c3t5' });
    const completion = await client.chat.completions.create({
      model: 'sim:gpt-4',
      messages: rendered.messages,
      max_completion_tokens: 10,
    });
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.usage?.completion_tokens).toBeLessThanOrEqual(10);
  });

  it('lists its model', async () => {
    const { client } = await start({ profile: 'gpt-3.5' });
    const models = await client.models.list();
    expect(models.data.map((entry) => entry.id)).toEqual(['sim:gpt-3.5']);
  });

  it('answers 429 with retry-after once the requests-per-minute budget is spent', async () => {
    let now = 1_000_000;
    const { client, server } = await start({ rpm: 2, now: () => now });
    const messages = [{ role: 'user' as const, content: 'hello' }];
    await client.chat.completions.create({ model: 'sim', messages });
    await client.chat.completions.create({ model: 'sim', messages });
    const refused = await client.chat.completions
      .create({ model: 'sim', messages })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    const headers = (refused as InstanceType<typeof OpenAI.RateLimitError>).headers;
    expect(Number(headers.get('retry-after'))).toBe(60);
    expect(Number(headers.get('retry-after-ms'))).toBe(60_000);
    now += 60_001;
    await expect(client.chat.completions.create({ model: 'sim', messages })).resolves.toBeDefined();
    expect(server.stats().rateLimited).toBe(1);
  });

  it('injects 429 faults that a retry gets past', async () => {
    const { client, server } = await start({ faultRates: { rateLimit: 0.5 } });
    const retrying = new OpenAI({ baseURL: server.url, apiKey: 'test', maxRetries: 8 });
    const refusals: unknown[] = [];
    for (let index = 0; index < 12; index += 1) {
      const messages = [{ role: 'user' as const, content: `question ${index}` }];
      const outcome = await client.chat.completions
        .create({ model: 'sim', messages })
        .catch((error) => error);
      if (outcome instanceof OpenAI.RateLimitError) {
        refusals.push(outcome);
        expect(outcome.headers.get('retry-after')).toBeTruthy();
        // The same body again, through a client that follows retry-after: gets through.
        await expect(retrying.chat.completions.create({ model: 'sim', messages })).resolves.toBeDefined();
      }
    }
    expect(refusals.length).toBeGreaterThan(0);
    expect(server.stats().faults['rate-limit']).toBeGreaterThanOrEqual(refusals.length);
  });

  it('injects server errors, malformed bodies and truncation, and holds timed-out requests', async () => {
    const { server } = await start({
      faultRates: { serverError: 0.25, malformed: 0.25, truncate: 0.25, timeout: 0.25 },
    });
    const rendered = renderBatch(boolqTask, items.slice(0, 6), { format: 'lines', tag: 'f1f1' });
    const outcomes = new Set<string>();
    for (let index = 0; index < 24; index += 1) {
      const body = JSON.stringify({
        model: 'sim',
        messages: [...rendered.messages, { role: 'user', content: rendered.messages.at(-1)!.content }],
        user: String(index),
      });
      const response = await fetch(`${server.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(300),
      }).catch((error: Error) => error);
      if (response instanceof Error) {
        outcomes.add('timeout');
        continue;
      }
      const text = await response.text();
      if (response.status === 500) outcomes.add('500');
      else {
        let parsed: { choices?: { finish_reason: string }[] } | undefined;
        try {
          parsed = JSON.parse(text);
        } catch {
          outcomes.add('malformed');
        }
        if (parsed && !parsed.choices) outcomes.add('malformed');
        if (parsed?.choices?.[0]?.finish_reason === 'length') outcomes.add('truncated');
      }
    }
    expect([...outcomes].sort()).toEqual(['500', 'malformed', 'timeout', 'truncated']);
    // A client that gave up leaves no held connection behind: the server hears of the close a
    // moment after the client's timeout fires, so the last request may still be held briefly.
    await vi.waitFor(() => expect(server.stats().held).toBe(0), { timeout: 1000 });
  });

  it('releases a held connection when the server closes', async () => {
    const { server } = await start({ faultRates: { timeout: 1 } });
    const pending = fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim', messages: [{ role: 'user', content: 'hello' }] }),
    });
    pending.catch(() => {});
    while (server.stats().held === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await server.close();
    await expect(pending).rejects.toThrow();
    expect(server.stats().held).toBe(0);
  });
});

/** One request over `agent`: its status, its body, and whether it went over a kept-alive connection. */
function send(
  agent: Agent,
  url: string,
  body?: string,
): Promise<{ status: number; body: string; reusedSocket: boolean }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        agent,
        method: body === undefined ? 'GET' : 'POST',
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
      },
      async (response) => {
        const parts: Buffer[] = [];
        for await (const part of response) parts.push(part as Buffer);
        resolve({
          status: response.statusCode ?? 0,
          body: Buffer.concat(parts).toString('utf8'),
          reusedSocket: request.reusedSocket,
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

describe('startSimServer on a kept-alive connection', () => {
  const agents: Agent[] = [];
  afterEach(() => {
    for (const agent of agents.splice(0)) agent.destroy();
  });
  /** One connection, kept alive between requests, as the providers' SDKs keep theirs. */
  const oneConnection = () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    return agent;
  };

  it('answers 500 when its handler fails, and the next request goes over the same connection', async () => {
    let failures = 1;
    const { server } = await start({
      onRequestHeaders: () => {
        if (failures-- > 0) throw new Error('the header hook broke');
      },
    });
    const agent = oneConnection();
    const failed = await send(agent, `${server.url}/models`);
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.body)).toMatchObject({
      error: { message: 'the header hook broke', type: 'server_error' },
    });
    const next = await send(agent, `${server.url}/models`);
    expect(next.status).toBe(200);
    expect(next.reusedSocket).toBe(true);
  });

  it('prints nothing when started from a program without `log`: a line per request only where asked', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const lines: string[] = [];
    try {
      const { client } = await start({ quiet: false });
      await client.models.list();
      const logged = await start({ quiet: false, log: (line) => lines.push(line) });
      await logged.client.models.list();
    } finally {
      spy.mockRestore();
    }
    expect(written).toEqual([]);
    expect(lines).toEqual([expect.stringMatching(/^sim GET \/v1\/models 200 \d+ms$/)]);
  });

  it('keeps the connection of a reply sent whole when the handler fails after it (its log line)', async () => {
    let logged = 0;
    const { server } = await start({
      quiet: false,
      log: () => {
        logged += 1;
        throw new Error('the log is gone');
      },
    });
    const agent = oneConnection();
    for (let request = 0; request < 3; request += 1) {
      const listed = await send(agent, `${server.url}/models`);
      expect(listed.status).toBe(200);
      expect(listed.reusedSocket).toBe(request > 0);
    }
    expect(logged).toBe(3);
  });

  it('answers a body over 32 MB with 413, read to its end, and keeps the connection', async () => {
    const { server } = await start();
    const agent = oneConnection();
    const tooLarge = await send(
      agent,
      `${server.url}/chat/completions`,
      JSON.stringify({ model: 'sim', messages: [{ role: 'user', content: 'x'.repeat(33 * 1024 * 1024) }] }),
    );
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body).toContain('request body larger than');
    const next = await send(agent, `${server.url}/models`);
    expect(next.status).toBe(200);
    expect(next.reusedSocket).toBe(true);
  });
});
