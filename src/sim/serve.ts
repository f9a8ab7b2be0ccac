import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatMessage, ChatRole, GenerateRequest, ResponseFormat } from '../spec/chat-model.js';
import { countMessageTokens } from '../spec/count-tokens.js';
import { InputError } from '../spec/errors.js';
import { simulatorModelOwner } from '../util/simulator-marker.js';
import { createSimModel, type SimModelOptions } from './create-sim-model.js';
import { createSimBatchApi, type SimBatchOptions, type SimBatchStats } from './serve-batch-api.js';
import { hashUniforms, textDigest } from './sim-random.js';
import { createSlidingWindowLimiter } from './sliding-window-limiter.js';

export type SimServerFault = 'rate-limit' | 'server-error' | 'timeout' | 'truncate' | 'malformed';

export interface SimServerFaultRates {
  /** Share of requests answered 429 with `retry-after`. @default 0 */
  rateLimit?: number;
  /** Share answered 500. @default 0 */
  serverError?: number;
  /** Share held without an answer until the client gives up. @default 0 */
  timeout?: number;
  /** Share whose reply is cut to half, with `finish_reason: 'length'`. @default 0 */
  truncate?: number;
  /** Share answered 200 with a body that is not JSON or has no `choices`. @default 0 */
  malformed?: number;
}

export interface SimServerOptions extends SimModelOptions {
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** Requests per minute (60 s sliding window); none when absent. */
  rpm?: number;
  /** Prompt plus requested completion tokens per minute; none when absent. */
  tpm?: number;
  faultRates?: SimServerFaultRates;
  /** The batch endpoints' completion delay and faults. */
  batch?: SimBatchOptions;
  /** Called with the headers of every request, for tests that check which credential was sent. */
  onRequestHeaders?: (headers: IncomingMessage['headers']) => void;
  /** No log lines. @default false */
  quiet?: boolean;
  /** Where log lines go. @default a line on stderr */
  log?: (line: string) => void;
  /** Clock of the rate limiter, for tests. @default Date.now */
  now?: () => number;
}

export interface SimServerStats {
  /** Chat completion requests received (model listings are not counted: they cost nothing). */
  requests: number;
  byStatus: Record<string, number>;
  faults: Record<SimServerFault, number>;
  /** 429s from the rpm/tpm limiter (injected 429s are counted under `faults`). */
  rateLimited: number;
  promptTokens: number;
  completionTokens: number;
  /** Connections held open by the timeout fault right now. */
  held: number;
  /** The batch endpoints: files, jobs and the requests inside them. */
  batch: SimBatchStats;
}

export interface SimServer {
  port: number;
  /** Base URL for an OpenAI client: `http://127.0.0.1:<port>/v1`. */
  url: string;
  close(): Promise<void>;
  stats(): SimServerStats;
}

/** How long an injected 429 tells the client to wait: short, so retrying tests stay fast. */
const injectedRetryAfterMs = 200;
const maxBodyBytes = 32 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
  ) {
    super(message);
  }
}

function errorBody(message: string, type: string, code?: string) {
  return { error: { message, type, param: null, code: code ?? null } };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        reject(new HttpError(413, `request body larger than ${maxBodyBytes} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

const roles = new Set<ChatRole>(['system', 'user', 'assistant']);

function toChatMessages(value: unknown): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new HttpError(400, '`messages` must be a non-empty array');
  }
  return value.map((entry, index) => {
    const record = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    // OpenAI's newer clients send `developer` where older ones send `system`.
    const role = record.role === 'developer' ? 'system' : record.role;
    if (typeof role !== 'string' || !roles.has(role as ChatRole)) {
      throw new HttpError(400, `messages[${index}].role must be system, developer, user or assistant`);
    }
    const content = record.content;
    let text: string;
    if (typeof content === 'string') text = content;
    else if (Array.isArray(content)) {
      text = content
        .map((part) => {
          const piece = part as { type?: unknown; text?: unknown };
          return piece.type === 'text' && typeof piece.text === 'string' ? piece.text : '';
        })
        .join('');
    } else if (content === null || content === undefined) text = '';
    else throw new HttpError(400, `messages[${index}].content must be a string or an array of text parts`);
    return { role: role as ChatRole, content: text };
  });
}

function toResponseFormat(value: unknown): ResponseFormat {
  if (typeof value !== 'object' || value === null) return { type: 'text' };
  const format = value as { type?: unknown; json_schema?: { name?: unknown; schema?: unknown } };
  if (format.type === 'json_schema') {
    const schema = format.json_schema?.schema;
    return {
      type: 'json',
      schema: typeof schema === 'object' && schema !== null ? (schema as Record<string, unknown>) : {},
      name: typeof format.json_schema?.name === 'string' ? format.json_schema.name : 'response',
    };
  }
  if (format.type === 'json_object') return { type: 'json', schema: {}, name: 'json_object' };
  return { type: 'text' };
}

function positiveInteger(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new HttpError(400, `\`${name}\` must be an integer >= 1`);
  }
  return value;
}

function validateRate(name: string, value: number | undefined): number {
  const rate = value ?? 0;
  if (!(rate >= 0 && rate <= 1)) {
    throw new InputError(`Expected \`${name}\` to be a number from 0 to 1, got \`${String(value)}\``, {
      field: name,
    });
  }
  return rate;
}

/**
 * The simulated model as an OpenAI-compatible HTTP server on 127.0.0.1: `POST
 * /v1/chat/completions` and `GET /v1/models`, with real token usage, rpm/tpm limits answered by
 * 429 + `retry-after`, and injected faults. A request gets the same answer as the in-process
 * `createSimModel` with the same options. Faults are drawn from (seed, request body, how often
 * this body was seen), so a retried request can succeed and a test run is reproducible.
 */
export async function startSimServer(options: SimServerOptions): Promise<SimServer> {
  const model = createSimModel(options);
  const seed = options.seed ?? 0;
  const rates = options.faultRates ?? {};
  const faultTable: [SimServerFault, number][] = [
    ['rate-limit', validateRate('faultRates.rateLimit', rates.rateLimit)],
    ['server-error', validateRate('faultRates.serverError', rates.serverError)],
    ['timeout', validateRate('faultRates.timeout', rates.timeout)],
    ['truncate', validateRate('faultRates.truncate', rates.truncate)],
    ['malformed', validateRate('faultRates.malformed', rates.malformed)],
  ];
  const totalRate = faultTable.reduce((sum, [, rate]) => sum + rate, 0);
  if (totalRate > 1) {
    throw new InputError(`Expected the fault rates to add up to at most 1, got \`${totalRate}\``, {
      field: 'faultRates',
    });
  }
  const limiter = createSlidingWindowLimiter(
    {
      ...(options.rpm === undefined ? {} : { requests: options.rpm }),
      ...(options.tpm === undefined ? {} : { tokens: options.tpm }),
    },
    options.now,
  );
  const log = options.quiet
    ? () => {}
    : (options.log ?? ((line: string) => process.stderr.write(`${line}\n`)));
  const attemptsByBody = new Map<string, number>();
  const held = new Set<ServerResponse>();
  const stats: SimServerStats = {
    requests: 0,
    byStatus: {},
    faults: { 'rate-limit': 0, 'server-error': 0, timeout: 0, truncate: 0, malformed: 0 },
    rateLimited: 0,
    promptTokens: 0,
    completionTokens: 0,
    held: 0,
    batch: {} as SimBatchStats,
  };
  let serverUrl = '';
  const batchApi = createSimBatchApi({
    model,
    seed,
    ...(options.batch === undefined ? {} : { options: options.batch }),
    ...(options.now === undefined ? {} : { now: options.now }),
    baseUrl: () => serverUrl,
  });

  function pickFault(bodyDigest: string): SimServerFault | undefined {
    if (totalRate === 0) return undefined;
    const attempt = attemptsByBody.get(bodyDigest) ?? 0;
    attemptsByBody.set(bodyDigest, attempt + 1);
    const [draw = 1] = hashUniforms(1, 'server-fault', seed, bodyDigest, attempt);
    let threshold = 0;
    for (const [fault, rate] of faultTable) {
      threshold += rate;
      if (draw < threshold) return fault;
    }
    return undefined;
  }

  function send(
    response: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
    contentType = 'application/json',
  ): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    response.writeHead(status, {
      'content-type': contentType,
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    response.end(text);
  }

  async function chatCompletion(
    response: ServerResponse,
    bodyText: string,
  ): Promise<{ status: number; tokens: string }> {
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(bodyText);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      throw new HttpError(400, 'the request body is not a JSON object');
    }
    if (body.stream === true) throw new HttpError(400, 'the simulator does not stream: send `stream: false`');
    const messages = toChatMessages(body.messages);
    const maxOutputTokens =
      positiveInteger(body.max_completion_tokens, 'max_completion_tokens') ??
      positiveInteger(body.max_tokens, 'max_tokens');
    const promptTokens = countMessageTokens(messages);

    // Tokens are counted as a provider that bills usage would: the prompt on admission, then the
    // prompt and the completion once the reply is known (see `settle` below).
    const admission = limiter.tryAdmit(promptTokens);
    if (!admission.allowed) {
      stats.rateLimited += 1;
      send(
        response,
        429,
        errorBody(
          `Rate limit reached for ${admission.limit} per minute (simulated)`,
          admission.limit,
          'rate_limit_exceeded',
        ),
        {
          'retry-after': String(Math.ceil(admission.retryAfterMs / 1000)),
          'retry-after-ms': String(Math.ceil(admission.retryAfterMs)),
        },
      );
      return { status: 429, tokens: '' };
    }
    const limitHeaders: Record<string, string> = {};
    if (admission.remainingRequests !== undefined) {
      limitHeaders['x-ratelimit-limit-requests'] = String(options.rpm);
      limitHeaders['x-ratelimit-remaining-requests'] = String(admission.remainingRequests);
    }
    if (admission.remainingTokens !== undefined) {
      limitHeaders['x-ratelimit-limit-tokens'] = String(options.tpm);
      limitHeaders['x-ratelimit-remaining-tokens'] = String(admission.remainingTokens);
    }

    const bodyDigest = textDigest(bodyText);
    const fault = pickFault(bodyDigest);
    if (fault !== undefined) stats.faults[fault] += 1;
    if (fault === 'rate-limit') {
      send(
        response,
        429,
        errorBody('Rate limit reached (simulated fault)', 'requests', 'rate_limit_exceeded'),
        {
          ...limitHeaders,
          'retry-after': String(Math.ceil(injectedRetryAfterMs / 1000)),
          'retry-after-ms': String(injectedRetryAfterMs),
        },
      );
      return { status: 429, tokens: '' };
    }
    if (fault === 'server-error') {
      send(
        response,
        500,
        errorBody('The server had an error while processing your request (simulated fault)', 'server_error'),
      );
      return { status: 500, tokens: '' };
    }
    if (fault === 'timeout') {
      // Hold the connection open without a byte of answer, until the client gives up or the
      // server closes.
      held.add(response);
      stats.held = held.size;
      await new Promise<void>((resolve) => response.on('close', () => resolve()));
      held.delete(response);
      stats.held = held.size;
      return { status: 0, tokens: '' };
    }

    const disconnected = new AbortController();
    const onClose = () => {
      if (!response.writableFinished) disconnected.abort();
    };
    response.on('close', onClose);
    const generateRequest: GenerateRequest = {
      messages,
      responseFormat: toResponseFormat(body.response_format),
      signal: disconnected.signal,
      ...(typeof body.temperature === 'number' ? { temperature: body.temperature } : {}),
      ...(typeof body.seed === 'number' ? { seed: body.seed } : {}),
    };
    let result = await model.generate({
      ...generateRequest,
      ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
    });
    if (fault === 'truncate' && result.text.length > 0) {
      result = await model.generate({
        ...generateRequest,
        maxOutputTokens: Math.max(1, Math.floor(result.usage.outputTokens / 2)),
      });
    }
    response.off('close', onClose);
    admission.settle(result.usage.inputTokens + result.usage.outputTokens);
    stats.promptTokens += result.usage.inputTokens;
    stats.completionTokens += result.usage.outputTokens;
    const created = Math.floor((options.now ?? Date.now)() / 1000);
    const id = `chatcmpl-sim-${textDigest(`${bodyDigest}:${result.text}`)}`;
    const modelName = typeof body.model === 'string' ? body.model : model.id;
    if (fault === 'malformed') {
      const [variant = 0] = hashUniforms(1, 'malformed', seed, bodyDigest);
      send(
        response,
        200,
        variant < 0.5
          ? `{"id":"${id}","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":`
          : { id, object: 'chat.completion', created, model: modelName },
        limitHeaders,
      );
      return { status: 200, tokens: 'malformed' };
    }
    send(
      response,
      200,
      {
        id,
        object: 'chat.completion',
        created,
        model: modelName,
        system_fingerprint: `sim-${model.profile}-seed-${seed}`,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: result.text, refusal: null },
            logprobs: null,
            finish_reason: result.finishReason === 'length' ? 'length' : 'stop',
          },
        ],
        usage: {
          prompt_tokens: result.usage.inputTokens,
          completion_tokens: result.usage.outputTokens,
          total_tokens: result.usage.inputTokens + result.usage.outputTokens,
        },
      },
      { ...limitHeaders, 'x-batchprompt-simulated': 'true' },
    );
    return { status: 200, tokens: `in=${result.usage.inputTokens} out=${result.usage.outputTokens}` };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = Date.now();
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (path !== '/v1/models') stats.requests += 1;
    let outcome: { status: number; tokens: string };
    options.onRequestHeaders?.(request.headers);
    try {
      const bodyText = await readBody(request);
      const batchReply = await batchApi.handle(
        request.method ?? 'GET',
        request.url ?? '/',
        bodyText,
        request.headers['content-type'],
      );
      if (batchReply !== undefined) {
        send(
          response,
          batchReply.status,
          batchReply.body,
          { 'x-batchprompt-simulated': 'true' },
          batchReply.contentType,
        );
        outcome = { status: batchReply.status, tokens: '' };
      } else if (request.method === 'GET' && path === '/v1/models') {
        send(response, 200, {
          object: 'list',
          data: [{ id: model.id, object: 'model', created: 0, owned_by: simulatorModelOwner }],
        });
        outcome = { status: 200, tokens: '' };
      } else if (request.method === 'POST' && path === '/v1/chat/completions') {
        outcome = await chatCompletion(response, bodyText);
      } else {
        throw new HttpError(404, `no route ${request.method} ${path}`, 'not_found');
      }
    } catch (error) {
      // The simulator refusing an item it has no gold answer for is the request's fault, not the
      // server's: 400, so that the client does not retry it.
      const refused = InputError.isInstance(error);
      const status = error instanceof HttpError ? error.status : refused ? 400 : 500;
      const type =
        error instanceof HttpError ? error.type : refused ? 'invalid_request_error' : 'server_error';
      const message = error instanceof Error ? error.message : String(error);
      if (!response.headersSent && !response.destroyed) send(response, status, errorBody(message, type));
      outcome = { status, tokens: '' };
    }
    const statusKey = outcome.status === 0 ? 'no-answer' : String(outcome.status);
    stats.byStatus[statusKey] = (stats.byStatus[statusKey] ?? 0) + 1;
    log(
      `sim ${request.method} ${path} ${outcome.status === 0 ? 'held, client gave up' : outcome.status}${outcome.tokens ? ` ${outcome.tokens}` : ''} ${Date.now() - startedAt}ms`,
    );
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.destroyed) response.destroy();
    });
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
    stats: () => structuredClone({ ...stats, batch: batchApi.stats() }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const response of held) response.destroy();
        held.clear();
        stats.held = 0;
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
