import type { ServerResponse } from 'node:http';
import type { GenerateRequest } from '../spec/chat-model.js';
import { countMessageTokens } from '../spec/count-tokens.js';
import { InputError } from '../spec/errors.js';
import { chatCompletionBody } from './chat-completion-body.js';
import type { SimModel } from './create-sim-model.js';
import { readOpenAiChatRequest } from './read-openai-chat-request.js';
import { openAiErrorBody, parseJsonObject, SimHttpError, sendReply } from './serve-http.js';
import type { SimPromptCache } from './sim-prompt-cache.js';
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

export interface ChatCompletionsOptions {
  model: SimModel;
  seed: number;
  /** Requests per minute (60 s sliding window); none when absent. */
  rpm?: number;
  /** Prompt plus requested completion tokens per minute; none when absent. */
  tpm?: number;
  faultRates?: SimServerFaultRates;
  /**
   * Share of requests asking `service_tier: "flex"` refused with 429, as OpenAI refuses flex when
   * it lacks capacity; drawn like the faults, so a retried request may get through. @default 0
   */
  flexRefusalRate?: number;
  /** Clock of the rate limiter and of `created`. @default Date.now */
  now?: () => number;
  /** OpenAI's automatic prompt cache, as the server emulates it. */
  promptCache: SimPromptCache;
}

export interface ChatCompletionsStats {
  faults: Record<SimServerFault, number>;
  /** 429s from the rpm/tpm limiter (injected 429s are counted under `faults`). */
  rateLimited: number;
  /** Requests answered in each service tier (`flex`, `default`), and flex requests refused. */
  serviceTiers: { flex: number; default: number; flexRefused: number };
  promptTokens: number;
  /** Prompt tokens read from the emulated prompt cache (a part of `promptTokens`). */
  cachedPromptTokens: number;
  completionTokens: number;
  /** Connections held open by the timeout fault right now. */
  held: number;
}

/** What became of one request: its status (0: held until the client gave up) and a log note. */
export interface ChatCompletionOutcome {
  status: number;
  tokens: string;
}

/** How long an injected 429 tells the client to wait: short, so retrying tests stay fast. */
const injectedRetryAfterMs = 200;

function validateRate(name: string, value: number | undefined): number {
  const rate = value ?? 0;
  if (!(rate >= 0 && rate <= 1)) {
    throw new InputError(`Expected \`${name}\` to be a number from 0 to 1, got \`${String(value)}\``, {
      field: name,
    });
  }
  return rate;
}

function faultTableOf(rates: SimServerFaultRates): [SimServerFault, number][] {
  const table: [SimServerFault, number][] = [
    ['rate-limit', validateRate('faultRates.rateLimit', rates.rateLimit)],
    ['server-error', validateRate('faultRates.serverError', rates.serverError)],
    ['timeout', validateRate('faultRates.timeout', rates.timeout)],
    ['truncate', validateRate('faultRates.truncate', rates.truncate)],
    ['malformed', validateRate('faultRates.malformed', rates.malformed)],
  ];
  const totalRate = table.reduce((sum, [, rate]) => sum + rate, 0);
  if (totalRate > 1) {
    throw new InputError(`Expected the fault rates to add up to at most 1, got \`${totalRate}\``, {
      field: 'faultRates',
    });
  }
  return totalRate === 0 ? [] : table;
}

/**
 * `POST /v1/chat/completions` answered by the simulated model, with real token usage, rpm/tpm
 * limits answered by 429 + `retry-after`, and injected faults. Faults are drawn from (seed,
 * request body, how often this body was seen), so a retried request can succeed and a test run is
 * reproducible.
 */
export function createChatCompletionsRoute(options: ChatCompletionsOptions) {
  const { model, seed } = options;
  const faultTable = faultTableOf(options.faultRates ?? {});
  const flexRefusalRate = validateRate('flexRefusalRate', options.flexRefusalRate);
  const limiter = createSlidingWindowLimiter(
    {
      ...(options.rpm === undefined ? {} : { requests: options.rpm }),
      ...(options.tpm === undefined ? {} : { tokens: options.tpm }),
    },
    options.now,
  );
  const attemptsByBody = new Map<string, number>();
  const flexAttemptsByBody = new Map<string, number>();
  const held = new Set<ServerResponse>();
  const stats: ChatCompletionsStats = {
    faults: { 'rate-limit': 0, 'server-error': 0, timeout: 0, truncate: 0, malformed: 0 },
    rateLimited: 0,
    serviceTiers: { flex: 0, default: 0, flexRefused: 0 },
    promptTokens: 0,
    cachedPromptTokens: 0,
    completionTokens: 0,
    held: 0,
  };

  function pickFault(bodyDigest: string): SimServerFault | undefined {
    if (faultTable.length === 0) return undefined;
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

  /**
   * Whether a flex request is refused: drawn from (seed, body, how often this body asked flex), so
   * that the same request asked again may get through and a test run is reproducible.
   */
  function refusesFlex(bodyDigest: string): boolean {
    if (flexRefusalRate === 0) return false;
    const attempt = flexAttemptsByBody.get(bodyDigest) ?? 0;
    flexAttemptsByBody.set(bodyDigest, attempt + 1);
    const [draw = 1] = hashUniforms(1, 'flex-refusal', seed, bodyDigest, attempt);
    return draw < flexRefusalRate;
  }

  /** The rate-limit headers of an admitted request. */
  function limitHeadersOf(remaining: { remainingRequests?: number; remainingTokens?: number }) {
    const headers: Record<string, string> = {};
    if (remaining.remainingRequests !== undefined) {
      headers['x-ratelimit-limit-requests'] = String(options.rpm);
      headers['x-ratelimit-remaining-requests'] = String(remaining.remainingRequests);
    }
    if (remaining.remainingTokens !== undefined) {
      headers['x-ratelimit-limit-tokens'] = String(options.tpm);
      headers['x-ratelimit-remaining-tokens'] = String(remaining.remainingTokens);
    }
    return headers;
  }

  /** Answers a fault that gives no reply of the model, or returns undefined for the others. */
  async function answerFault(
    response: ServerResponse,
    fault: SimServerFault | undefined,
    limitHeaders: Record<string, string>,
  ): Promise<ChatCompletionOutcome | undefined> {
    if (fault === 'rate-limit') {
      sendReply(
        response,
        429,
        openAiErrorBody('Rate limit reached (simulated fault)', 'requests', 'rate_limit_exceeded'),
        {
          ...limitHeaders,
          'retry-after': String(Math.ceil(injectedRetryAfterMs / 1000)),
          'retry-after-ms': String(injectedRetryAfterMs),
        },
      );
      return { status: 429, tokens: '' };
    }
    if (fault === 'server-error') {
      sendReply(
        response,
        500,
        openAiErrorBody(
          'The server had an error while processing your request (simulated fault)',
          'server_error',
        ),
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
    return undefined;
  }

  /** The model's reply, cut to half its tokens under the `truncate` fault; undefined when the client left. */
  async function generateReply(
    response: ServerResponse,
    request: GenerateRequest,
    fault: SimServerFault | undefined,
  ) {
    const disconnected = new AbortController();
    const onClose = () => {
      if (!response.writableFinished) disconnected.abort();
    };
    response.on('close', onClose);
    let result = await model.generate({ ...request, signal: disconnected.signal });
    if (fault === 'truncate' && result.text.length > 0) {
      result = await model.generate({
        ...request,
        signal: disconnected.signal,
        maxOutputTokens: Math.max(1, Math.floor(result.usage.outputTokens / 2)),
      });
    }
    response.off('close', onClose);
    return result;
  }

  async function answer(response: ServerResponse, bodyText: string): Promise<ChatCompletionOutcome> {
    const body = parseJsonObject(bodyText);
    if (body === undefined) throw new SimHttpError(400, 'the request body is not a JSON object');
    if (body.stream === true)
      throw new SimHttpError(400, 'the simulator does not stream: send `stream: false`');
    const request = readOpenAiChatRequest(body);
    // Tokens are counted as a provider that bills usage would: the prompt on admission, then the
    // prompt and the completion once the reply is known (`settle` below).
    const admission = limiter.tryAdmit(countMessageTokens(request.messages));
    if (!admission.allowed) {
      stats.rateLimited += 1;
      sendReply(
        response,
        429,
        openAiErrorBody(
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
    const limitHeaders = limitHeadersOf(admission);
    const bodyDigest = textDigest(bodyText);
    // OpenAI answers `default` for a request that names no tier, or `auto`.
    const serviceTier = body.service_tier === 'flex' ? 'flex' : 'default';
    if (serviceTier === 'flex' && refusesFlex(bodyDigest)) {
      stats.serviceTiers.flexRefused += 1;
      sendReply(
        response,
        429,
        openAiErrorBody(
          'Resource unavailable: flex processing has no capacity for this request now; try again later or use the default tier (simulated)',
          'resource_unavailable',
          'resource_unavailable',
        ),
        limitHeaders,
      );
      return { status: 429, tokens: 'flex refused' };
    }
    const fault = pickFault(bodyDigest);
    if (fault !== undefined) stats.faults[fault] += 1;
    const faulted = await answerFault(response, fault, limitHeaders);
    if (faulted !== undefined) return faulted;

    const modelName = typeof body.model === 'string' ? body.model : model.id;
    const cacheUse = options.promptCache.use(modelName, request.messages, { kind: 'automatic' });
    const result = await generateReply(response, request, fault);
    cacheUse.commit();
    admission.settle(result.usage.inputTokens + result.usage.outputTokens);
    stats.promptTokens += result.usage.inputTokens;
    stats.completionTokens += result.usage.outputTokens;
    const created = Math.floor((options.now ?? Date.now)() / 1000);
    const id = `chatcmpl-sim-${textDigest(`${bodyDigest}:${result.text}`)}`;
    if (fault === 'malformed') {
      const [variant = 0] = hashUniforms(1, 'malformed', seed, bodyDigest);
      sendReply(
        response,
        200,
        variant < 0.5
          ? `{"id":"${id}","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":`
          : { id, object: 'chat.completion', created, model: modelName },
        limitHeaders,
      );
      return { status: 200, tokens: 'malformed' };
    }
    const systemFingerprint = `sim-${model.profile}-seed-${seed}`;
    stats.serviceTiers[serviceTier] += 1;
    sendReply(
      response,
      200,
      {
        ...chatCompletionBody({
          id,
          created,
          model: modelName,
          systemFingerprint,
          result,
          cachedTokens: cacheUse.readTokens,
        }),
        service_tier: serviceTier,
      },
      {
        ...limitHeaders,
        'x-batchprompt-simulated': 'true',
      },
    );
    stats.cachedPromptTokens += cacheUse.readTokens;
    return {
      status: 200,
      tokens: `in=${result.usage.inputTokens} cached=${cacheUse.readTokens} out=${result.usage.outputTokens}`,
    };
  }

  return {
    answer,
    stats: (): ChatCompletionsStats => structuredClone(stats),
    /** Lets go of the connections the timeout fault holds, for a server that closes. */
    releaseHeld(): void {
      for (const response of held) response.destroy();
      held.clear();
      stats.held = 0;
    },
  };
}
