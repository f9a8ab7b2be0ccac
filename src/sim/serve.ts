import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InputError } from '../spec/errors.js';
import { simulatorModelOwner } from '../util/simulator-marker.js';
import { createSimModel, type SimModelOptions } from './create-sim-model.js';
import {
  type AnthropicMessagesStats,
  anthropicErrorBody,
  createAnthropicMessagesRoute,
} from './serve-anthropic-messages.js';
import { createSimBatchApi, type SimBatchOptions, type SimBatchStats } from './serve-batch-api.js';
import {
  type ChatCompletionOutcome,
  type ChatCompletionsStats,
  createChatCompletionsRoute,
  type SimServerFault,
  type SimServerFaultRates,
} from './serve-chat-completions.js';
import { openAiErrorBody, readRequestBody, SimHttpError, sendReply } from './serve-http.js';
import { createSimPromptCache } from './sim-prompt-cache.js';

export type { SimServerFault, SimServerFaultRates };

export interface SimServerOptions extends SimModelOptions {
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** Requests per minute (60 s sliding window); none when absent. */
  rpm?: number;
  /** Prompt plus requested completion tokens per minute; none when absent. */
  tpm?: number;
  faultRates?: SimServerFaultRates;
  /** Share of chat requests asking `service_tier: "flex"` refused with 429. @default 0 */
  flexRefusalRate?: number;
  /** The batch endpoints' completion delay and faults. */
  batch?: SimBatchOptions;
  /** Called with the headers of every request, for tests that check which credential was sent. */
  onRequestHeaders?: (headers: IncomingMessage['headers']) => void;
  /** No log lines, even with `log`. @default false */
  quiet?: boolean;
  /**
   * Told a line per request (method, path, status, tokens, time). @default none: a server started
   * from a program prints nothing (`batchprompt sim serve` writes the lines to stderr)
   */
  log?: (line: string) => void;
  /** Clock of the rate limiter and the prompt caches, for tests. @default Date.now */
  now?: () => number;
  /** Shortest prefix the emulated prompt caches keep, in tokens. @default 1024 */
  promptCacheMinTokens?: number;
}

export interface SimServerStats extends ChatCompletionsStats {
  /** Chat completion requests received (model listings are not counted: they cost nothing). */
  requests: number;
  byStatus: Record<string, number>;
  /** The batch endpoints: files, jobs and the requests inside them. */
  batch: SimBatchStats;
  /** Anthropic's Messages route, with its prompt cache's reads and writes. */
  anthropic: AnthropicMessagesStats;
}

export interface SimServer {
  port: number;
  /** Base URL for an OpenAI client: `http://127.0.0.1:<port>/v1`. */
  url: string;
  close(): Promise<void>;
  stats(): SimServerStats;
}

/** Answers a Messages request, turning a refusal into Anthropic's error shape. */
async function answerInAnthropicShape(
  response: ServerResponse,
  answer: () => Promise<ChatCompletionOutcome>,
): Promise<ChatCompletionOutcome> {
  try {
    return await answer();
  } catch (error) {
    const refused = error instanceof SimHttpError || InputError.isInstance(error);
    if (!refused) throw error;
    const status = error instanceof SimHttpError ? error.status : 400;
    const type = error instanceof SimHttpError ? error.type : 'invalid_request_error';
    sendReply(response, status, anthropicErrorBody(type, error.message));
    return { status, tokens: '' };
  }
}

/**
 * What a request whose handler failed gets: a 500 naming the failure when no reply had begun, and
 * nothing more when one was sent whole (a failure after it, in the log line, is the server's
 * affair). The connection stays open either way: a client keeps its connections alive between
 * requests, and a destroyed one fails its next request with "other side closed". Only a reply cut
 * off midway ends the connection, since nothing else tells the client it is incomplete.
 */
function answerFailure(response: ServerResponse, error: unknown): void {
  if (response.destroyed || response.writableEnded) return;
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  sendReply(response, 500, openAiErrorBody(`the simulator failed: ${message}`, 'server_error'));
}

/**
 * The simulated model as an OpenAI-compatible HTTP server on 127.0.0.1: `POST
 * /v1/chat/completions` (`serve-chat-completions.ts`: token usage, rpm/tpm limits, injected
 * faults), Anthropic's `POST /v1/messages` (`serve-anthropic-messages.ts`), `GET /v1/models` (and
 * `/v1beta/models` for Gemini clients), and the batch APIs of OpenAI, Anthropic and Gemini
 * (`serve-batch-api.ts`), each with the prompt cache its provider bills (`sim-prompt-cache.ts`).
 * A request gets the same answer as the in-process
 * `createSimModel` with the same options.
 */
export async function startSimServer(options: SimServerOptions): Promise<SimServer> {
  const model = createSimModel(options);
  const seed = options.seed ?? 0;
  // Each API's online calls share one emulated prompt cache; batch jobs have their own.
  const promptCacheOptions = {
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.promptCacheMinTokens === undefined ? {} : { minTokens: options.promptCacheMinTokens }),
  };
  const anthropicMessages = createAnthropicMessagesRoute({
    model,
    promptCache: createSimPromptCache(promptCacheOptions),
  });
  const chatCompletions = createChatCompletionsRoute({
    model,
    seed,
    promptCache: createSimPromptCache(promptCacheOptions),
    ...(options.rpm === undefined ? {} : { rpm: options.rpm }),
    ...(options.tpm === undefined ? {} : { tpm: options.tpm }),
    ...(options.faultRates === undefined ? {} : { faultRates: options.faultRates }),
    ...(options.flexRefusalRate === undefined ? {} : { flexRefusalRate: options.flexRefusalRate }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const log = (options.quiet ? undefined : options.log) ?? (() => {});
  const stats = { requests: 0, byStatus: {} as Record<string, number> };
  let serverUrl = '';
  const batchApi = createSimBatchApi({
    model,
    seed,
    options: {
      ...options.batch,
      ...(options.promptCacheMinTokens === undefined
        ? {}
        : { promptCacheMinTokens: options.promptCacheMinTokens }),
    },
    ...(options.now === undefined ? {} : { now: options.now }),
    baseUrl: () => serverUrl,
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = Date.now();
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (path !== '/v1/models' && path !== '/v1beta/models') stats.requests += 1;
    let outcome: ChatCompletionOutcome;
    try {
      options.onRequestHeaders?.(request.headers);
      const bodyText = await readRequestBody(request);
      const batchReply = await batchApi.handle(
        request.method ?? 'GET',
        request.url ?? '/',
        bodyText,
        request.headers['content-type'],
        request.headers as Record<string, string | undefined>,
      );
      if (batchReply !== undefined) {
        sendReply(
          response,
          batchReply.status,
          batchReply.body,
          { ...batchReply.headers, 'x-batchprompt-simulated': 'true' },
          batchReply.contentType,
        );
        outcome = { status: batchReply.status, tokens: '' };
      } else if (request.method === 'GET' && (path === '/v1/models' || path === '/v1beta/models')) {
        // OpenAI's listing; Gemini clients ask at /v1beta, and read `models` where these read `data`.
        sendReply(response, 200, {
          object: 'list',
          data: [{ id: model.id, object: 'model', created: 0, owned_by: simulatorModelOwner }],
          ...(path === '/v1beta/models'
            ? { models: [{ name: `models/${model.id}`, displayName: model.id }] }
            : {}),
        });
        outcome = { status: 200, tokens: '' };
      } else if (request.method === 'POST' && path === '/v1/chat/completions') {
        outcome = await chatCompletions.answer(response, bodyText);
      } else if (request.method === 'POST' && path === '/v1/messages') {
        outcome = await answerInAnthropicShape(response, () => anthropicMessages.answer(response, bodyText));
      } else {
        throw new SimHttpError(404, `no route ${request.method} ${path}`, 'not_found');
      }
    } catch (error) {
      // The simulator refusing an item it has no gold answer for is the request's fault, not the
      // server's: 400, so that the client does not retry it.
      const refused = InputError.isInstance(error);
      const status = error instanceof SimHttpError ? error.status : refused ? 400 : 500;
      const type =
        error instanceof SimHttpError ? error.type : refused ? 'invalid_request_error' : 'server_error';
      const message = error instanceof Error ? error.message : String(error);
      if (!response.headersSent && !response.destroyed)
        sendReply(response, status, openAiErrorBody(message, type));
      outcome = { status, tokens: '' };
    }
    const statusKey = outcome.status === 0 ? 'no-answer' : String(outcome.status);
    stats.byStatus[statusKey] = (stats.byStatus[statusKey] ?? 0) + 1;
    log(
      `sim ${request.method} ${path} ${outcome.status === 0 ? 'held, client gave up' : outcome.status}${outcome.tokens ? ` ${outcome.tokens}` : ''} ${Date.now() - startedAt}ms`,
    );
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => answerFailure(response, error));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  serverUrl = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;

  return {
    port,
    url: `http://127.0.0.1:${port}/v1`,
    stats: () =>
      structuredClone({
        ...stats,
        ...chatCompletions.stats(),
        batch: batchApi.stats(),
        anthropic: anthropicMessages.stats(),
      }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        chatCompletions.releaseHeld();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
