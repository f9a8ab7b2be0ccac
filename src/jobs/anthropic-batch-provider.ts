import type Anthropic from '@anthropic-ai/sdk';
import type {
  MessageBatch,
  MessageBatchIndividualResponse,
} from '@anthropic-ai/sdk/resources/messages/batches';
import type { ChatMessage, FinishReason, GenerateRequest } from '../spec/chat-model.js';
import { isRetryableStatus } from '../spec/errors.js';
import type { BatchEntry, BatchProvider, ProviderJobState, ProviderOutcome } from './batch-provider.js';
import { batchReplyUsage, sumOfCounts } from './batch-reply-usage.js';
import { callBatchEndpoint } from './to-job-error.js';

export interface AnthropicBatchProviderOptions {
  client: Anthropic;
  /** The provider's model name, e.g. `claude-sonnet-4-0`. */
  model: string;
  secrets: readonly string[];
}

/** Anthropic requires `max_tokens`; the engine always sets a cap, this is for a request without one. */
const defaultMaxTokens = 4096;
/**
 * The HTTP status each of Anthropic's error types stands for, as its online API answers them; a
 * request failed with one may pass when sent again where its status would be retried online.
 */
const statusOfErrorType: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};
/** How far apart a journaled job and the provider's creation time may be and still be the same job. */
const submissionWindowMs = 10 * 60 * 1000;

/**
 * A batch job's requests may run more than 5 minutes apart, so the shared prefix is written to
 * the 1-hour cache, as Anthropic advises for batches (priced as such in the price table).
 */
const batchCacheControl = { type: 'ephemeral', ttl: '1h' } as const;

/** A message's text, as one block marked with `cache_control` where it ends the shared prefix. */
function contentOf(message: ChatMessage): string | Record<string, unknown>[] {
  if (message.endsSharedPrefix !== true) return message.content;
  return [{ type: 'text', text: message.content, cache_control: batchCacheControl }];
}

/**
 * The Messages params the online adapter would send: system messages joined into `system`, the
 * end of the shared prefix marked for the prompt cache, a JSON schema as `output_config.format`
 * (structured outputs), no seed (Anthropic has none).
 */
export function messageParams(model: string, request: GenerateRequest): Record<string, unknown> {
  const systemMessages = request.messages.filter((message) => message.role === 'system');
  const system = systemMessages.map((message) => message.content).join('\n\n');
  const systemEndsPrefix = systemMessages.some((message) => message.endsSharedPrefix === true);
  const format = request.responseFormat;
  return {
    model,
    max_tokens: request.maxOutputTokens ?? defaultMaxTokens,
    temperature: request.temperature ?? 0,
    ...(systemMessages.length === 0
      ? {}
      : { system: contentOf({ role: 'system', content: system, endsSharedPrefix: systemEndsPrefix }) }),
    messages: request.messages
      .filter((message) => message.role !== 'system')
      .map((message) => ({ role: message.role, content: contentOf(message) })),
    ...(format?.type === 'json'
      ? { output_config: { format: { type: 'json_schema', schema: format.schema } } }
      : {}),
  };
}

function toState(batch: MessageBatch): ProviderJobState {
  const counts = batch.request_counts;
  const failed = counts.errored + counts.canceled + counts.expired;
  return {
    providerJobId: batch.id,
    status: batch.processing_status,
    ended: batch.processing_status === 'ended',
    cancelled: batch.cancel_initiated_at !== null,
    counts: {
      total: counts.processing + counts.succeeded + failed,
      succeeded: counts.succeeded,
      failed,
      pending: counts.processing,
    },
    createdAtMs: Date.parse(batch.created_at),
  };
}

function finishReasonOf(reason: string | null): FinishReason {
  if (reason === 'end_turn' || reason === 'stop_sequence') return 'stop';
  if (reason === 'max_tokens' || reason === 'model_context_window_exceeded') return 'length';
  if (reason === 'refusal') return 'content-filter';
  return 'other';
}

/** One line of a job's results as the batch model reads it: a reply, or why the request failed. */
export function outcomeOf(
  entry: MessageBatchIndividualResponse,
  request: (customId: string) => GenerateRequest | undefined,
): ProviderOutcome {
  const { custom_id: customId, result } = entry;
  if (result.type === 'succeeded') {
    const { message } = result;
    const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    // Whatever the result holds: the figures are checked as an online reply's are.
    const usage = message.usage as unknown as Partial<Record<string, unknown>> | null | undefined;
    const cacheRead = usage?.cache_read_input_tokens ?? 0;
    const cacheWrite = usage?.cache_creation_input_tokens ?? 0;
    return {
      customId,
      state: 'succeeded',
      reply: {
        text,
        finishReason: finishReasonOf(message.stop_reason),
        // As the online adapter counts them: cache reads and writes are part of the input.
        usage: batchReplyUsage(
          {
            inputTokens:
              usage?.input_tokens === undefined
                ? undefined
                : sumOfCounts(usage.input_tokens, cacheRead, cacheWrite),
            outputTokens: usage?.output_tokens,
            cachedInputTokens: cacheRead,
            cacheWriteTokens: cacheWrite,
          },
          request(customId),
          text,
        ),
      },
    };
  }
  if (result.type === 'errored') {
    const error = result.error.error;
    const status = statusOfErrorType[error.type];
    return {
      customId,
      state: 'errored',
      error: `${error.type}: ${error.message}`,
      retryable: status !== undefined && isRetryableStatus(status),
      ...(status === undefined ? {} : { status }),
    };
  }
  return { customId, state: result.type };
}

/**
 * Anthropic's Message Batches API through `@anthropic-ai/sdk`: one `POST /v1/messages/batches`
 * holds the requests, results come as JSONL from the batch's `results_url`.
 */
export function createAnthropicBatchProvider({
  client,
  model,
  secrets,
}: AnthropicBatchProviderOptions): BatchProvider {
  const call = <T>(doing: string, request: () => Promise<T>) => callBatchEndpoint(doing, secrets, request);
  /** The requests this process submitted, by custom id, for checking the usage of their results. */
  const submitted = new Map<string, BatchEntry>();
  const requestOf = (entry: BatchEntry) => ({
    custom_id: entry.customId,
    params: messageParams(model, entry.request),
  });
  return {
    provider: 'anthropic',
    maxRequests: 100_000,
    maxBytes: 256 * 1024 * 1024,
    requestBytes: (entry) => Buffer.byteLength(JSON.stringify(requestOf(entry))) + 1,
    async submit(entries, { jobId }) {
      for (const entry of entries) submitted.set(entry.customId, entry);
      const batch = await call(`creating the message batch of ${jobId}`, () =>
        client.messages.batches.create({
          requests: entries.map(requestOf) as unknown as Anthropic.Messages.BatchCreateParams['requests'],
        }),
      );
      return toState(batch);
    },
    async retrieve(providerJobId) {
      return toState(
        await call(`retrieving message batch ${providerJobId}`, () =>
          client.messages.batches.retrieve(providerJobId),
        ),
      );
    },
    results(providerJobId, requestSent) {
      return call(`downloading the results of message batch ${providerJobId}`, async () => {
        const outcomes: ProviderOutcome[] = [];
        for await (const entry of await client.messages.batches.results(providerJobId))
          outcomes.push(
            outcomeOf(entry, (customId) => requestSent?.(customId) ?? submitted.get(customId)?.request),
          );
        return outcomes;
      });
    },
    async cancel(providerJobId) {
      return toState(
        await call(`cancelling message batch ${providerJobId}`, () =>
          client.messages.batches.cancel(providerJobId),
        ),
      );
    },
    async findSubmitted(job, knownIds) {
      // Message batches carry no metadata: a batch is taken for the job only when exactly one
      // unknown batch of the same size was created around the time the job was journaled.
      const journaledAt = Date.parse(job.createdAt);
      const candidates: ProviderJobState[] = [];
      await call(`looking for the message batch of ${job.jobId}`, async () => {
        let looked = 0;
        for await (const batch of client.messages.batches.list({ limit: 100 })) {
          const state = toState(batch);
          looked += 1;
          if (state.createdAtMs < journaledAt - submissionWindowMs || looked > 500) break;
          if (knownIds.has(batch.id) || state.counts?.total !== job.requestCount) continue;
          if (Math.abs(state.createdAtMs - journaledAt) <= submissionWindowMs) candidates.push(state);
        }
      });
      return candidates.length === 1 ? candidates[0] : undefined;
    },
  };
}
