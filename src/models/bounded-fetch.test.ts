import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createModel } from '../providers/create-model.js';
import { ApiCallError } from '../spec/errors.js';
import {
  chatCompletion,
  type LoopbackServer,
  sendJson,
  startLoopbackServer,
} from '../test/loopback-server.js';
import { rejectionOf } from '../test/rejection-of.js';

/*
 * A misbehaving endpoint on 127.0.0.1: bodies far larger than any answer, and usage figures no
 * request could produce. The server counts what it managed to send before the client stopped
 * reading, which shows memory stayed bounded without measuring the process.
 */

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const megabyte = 1024 * 1024;

/** Streams `total` bytes of JSON-looking filler; resolves with the bytes written before the client left. */
function flood(response: ServerResponse, status: number, total: number): Promise<number> {
  return new Promise((resolve) => {
    let sent = 0;
    const chunk = Buffer.alloc(64 * 1024, 'a');
    response.writeHead(status, { 'content-type': 'application/json' });
    response.write('{"choices":[{"index":0,"message":{"role":"assistant","content":"');
    const pump = () => {
      while (sent < total) {
        if (response.destroyed) return resolve(sent);
        sent += chunk.length;
        if (!response.write(chunk)) {
          response.once('drain', pump);
          return;
        }
      }
      response.end('"}}]}');
      resolve(sent);
    };
    response.on('close', () => resolve(sent));
    pump();
  });
}

function modelAt(origin: string, options: { onWarning?: (message: string) => void } = {}) {
  return createModel('openai-compatible:test-model', { baseUrl: `${origin}/v1`, ...options });
}

const ask = {
  messages: [{ role: 'user' as const, content: 'Input 0 (abcd): is the sky blue?' }],
  maxOutputTokens: 64,
};

describe('bodies from a server', () => {
  it('fails a 200 reply far larger than the call allows, without reading it all', async () => {
    let sentBytes: Promise<number> | undefined;
    server = await startLoopbackServer((_request, response) => {
      sentBytes = flood(response, 200, 200 * megabyte);
    });
    const error = await rejectionOf(modelAt(server.origin).generate(ask));
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/larger than the limit of \d+ bytes/);
    expect((error as ApiCallError).isRetryable).toBe(false);
    // The client stopped reading: what was sent is a small part of the 200 MB on offer.
    expect(await sentBytes).toBeLessThan(50 * megabyte);
  });

  it('cuts a huge error body and still fails the call with its status', async () => {
    let sentBytes: Promise<number> | undefined;
    server = await startLoopbackServer((_request, response) => {
      sentBytes = flood(response, 500, 200 * megabyte);
    });
    const error = await rejectionOf(modelAt(server.origin).generate(ask));
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect((error as ApiCallError).status).toBe(500);
    expect(error.message.length).toBeLessThan(100_000);
    expect(await sentBytes).toBeLessThan(50 * megabyte);
  });

  it('passes an ordinary reply through whole', async () => {
    server = await startLoopbackServer((_request, response) => {
      sendJson(response, 200, chatCompletion('Input 0 (abcd): yes (sure)'));
    });
    const reply = await modelAt(server.origin).generate(ask);
    expect(reply.text).toBe('Input 0 (abcd): yes (sure)');
    expect(reply.usage).toMatchObject({ inputTokens: 42, outputTokens: 7 });
    expect(reply.usage.estimated).toBeUndefined();
  });
});

describe('usage a server reports', () => {
  it('is replaced by a local count, marked estimated, with a warning, when no request could produce it', async () => {
    server = await startLoopbackServer((_request, response) => {
      sendJson(
        response,
        200,
        chatCompletion('Input 0 (abcd): yes (sure)', {
          usage: { prompt_tokens: 2_000_000_000, completion_tokens: 5, total_tokens: 2_000_000_005 },
        }),
      );
    });
    const warnings: string[] = [];
    const reply = await modelAt(server.origin, { onWarning: (message) => warnings.push(message) }).generate(
      ask,
    );
    expect(reply.usage.estimated).toBe(true);
    expect(reply.usage.inputTokens).toBeLessThan(100);
    expect(reply.usage.inputTokens).toBeGreaterThan(5);
    expect(reply.usage.outputTokens).toBeGreaterThan(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/2000000000 in.*counted locally/);
  });

  it('is kept as reported when plausible', async () => {
    server = await startLoopbackServer((_request, response) => {
      sendJson(response, 200, chatCompletion('Input 0 (abcd): yes (sure)'));
    });
    const warnings: string[] = [];
    const reply = await modelAt(server.origin, { onWarning: (message) => warnings.push(message) }).generate(
      ask,
    );
    expect(reply.usage.estimated).toBeUndefined();
    expect(warnings).toEqual([]);
  });
});
