import type OpenAI from 'openai';
import { toFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { promptCacheKey } from '../models/prompt-cache-key.js';
import type { FinishReason, GenerateRequest } from '../spec/chat-model.js';
import { isRetryableStatus } from '../spec/errors.js';
import type { BatchEntry, BatchProvider, ProviderJobState, ProviderOutcome } from './batch-provider.js';
import { batchReplyUsage } from './batch-reply-usage.js';
import { createFileBatchSession, findRecentBatch, parseJsonLines } from './file-batch-api.js';

export interface OpenAiBatchProviderOptions {
  client: OpenAI;
  /** The provider's model name, e.g. `gpt-4o-mini`. */
  model: string;
  /** An OpenAI-compatible server rather than OpenAI itself: `max_tokens` instead of `max_completion_tokens`. */
  compatible: boolean;
  /** Scrubbed from every error message (the API key). */
  secrets: readonly string[];
}

const endedStatuses = new Set(['completed', 'expired', 'cancelled', 'failed']);
/** Models that refuse `max_tokens` and take `max_completion_tokens` only, as the AI SDK treats them. */
const reasoningModel = /^(o\d|gpt-5)/;

/** The chat completions body the online adapter would send for this request. */
export function chatBody(
  model: string,
  request: GenerateRequest,
  compatible: boolean,
): Record<string, unknown> {
  const format = request.responseFormat;
  const maxTokensName = !compatible && reasoningModel.test(model) ? 'max_completion_tokens' : 'max_tokens';
  return {
    model,
    messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
    temperature: request.temperature ?? 0,
    ...(request.maxOutputTokens === undefined ? {} : { [maxTokensName]: request.maxOutputTokens }),
    ...(request.seed === undefined ? {} : { seed: request.seed }),
    // OpenAI's own key only: a compatible server may refuse a field it does not know.
    ...(compatible ? {} : promptCacheKeyField(request)),
    ...(format?.type === 'json'
      ? {
          response_format: {
            type: 'json_schema',
            json_schema: { name: format.name, schema: format.schema, strict: true },
          },
        }
      : {}),
  };
}

function promptCacheKeyField(request: GenerateRequest): { prompt_cache_key?: string } {
  const key = promptCacheKey(request.messages);
  return key === undefined ? {} : { prompt_cache_key: key };
}

function inputLine(model: string, entry: BatchEntry, compatible: boolean): string {
  return JSON.stringify({
    custom_id: entry.customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: chatBody(model, entry.request, compatible),
  });
}

function toState(batch: Batch): ProviderJobState {
  const counts = batch.request_counts ?? { total: 0, completed: 0, failed: 0 };
  const errors = batch.errors?.data ?? [];
  return {
    providerJobId: batch.id,
    status: batch.status,
    ended: endedStatuses.has(batch.status),
    cancelled: batch.status === 'cancelling' || batch.status === 'cancelled',
    ...(batch.status === 'failed'
      ? {
          failure:
            errors
              .map(
                (error) =>
                  `${error.line === undefined || error.line === null ? '' : `line ${error.line}: `}${error.message ?? error.code ?? 'invalid'}`,
              )
              .join('; ') || 'the batch failed validation',
        }
      : {}),
    counts: {
      total: counts.total,
      succeeded: counts.completed,
      failed: counts.failed,
      pending: Math.max(0, counts.total - counts.completed - counts.failed),
    },
    createdAtMs: batch.created_at * 1000,
  };
}

function finishReasonOf(reason: string | null | undefined): FinishReason {
  if (reason === 'stop') return 'stop';
  if (reason === 'length') return 'length';
  if (reason === 'content_filter') return 'content-filter';
  return 'other';
}

interface OutputLine {
  custom_id?: unknown;
  response?: { status_code?: number; body?: unknown } | null;
  error?: { code?: string; message?: string } | null;
}

function outcomeOf(
  line: OutputLine,
  customId: string,
  request: GenerateRequest | undefined,
): ProviderOutcome {
  const code = line.error?.code;
  if (code === 'batch_expired') return { customId, state: 'expired' };
  if (code === 'batch_cancelled') return { customId, state: 'canceled' };
  const status = line.response?.status_code;
  if (status === 200) {
    const body = line.response?.body as ChatCompletion;
    const choice = body.choices?.[0];
    const text = choice?.message?.content ?? '';
    // Whatever the result file holds: the figures are checked as an online reply's are.
    const usage = body.usage as Partial<Record<string, unknown>> | null | undefined;
    const details = usage?.prompt_tokens_details as { cached_tokens?: unknown } | null | undefined;
    return {
      customId,
      state: 'succeeded',
      reply: {
        text,
        finishReason: finishReasonOf(choice?.finish_reason),
        usage: batchReplyUsage(
          {
            inputTokens: usage?.prompt_tokens,
            outputTokens: usage?.completion_tokens,
            cachedInputTokens: details?.cached_tokens,
          },
          request,
          text,
        ),
      },
    };
  }
  const errorBody = (line.response?.body as { error?: { message?: string } } | undefined)?.error;
  return {
    customId,
    state: 'errored',
    error: `${status === undefined ? (code ?? 'error') : `HTTP ${status}`}: ${errorBody?.message ?? line.error?.message ?? 'no message'}`,
    retryable: status === undefined ? false : isRetryableStatus(status),
    ...(status === undefined ? {} : { status }),
  };
}

/**
 * OpenAI's Batch API (and an OpenAI-compatible server's) through the `openai` SDK: a JSONL input
 * file uploaded to `/v1/files`, a batch created from it on `/v1/chat/completions`, results read
 * from its output and error files. The job id goes into the batch's metadata, which is how a
 * resumed process finds a batch it created but did not live to record.
 */
export function createOpenAiBatchProvider({
  client,
  model,
  compatible,
  secrets,
}: OpenAiBatchProviderOptions): BatchProvider {
  const { call, remember, outcomesOf } = createFileBatchSession(secrets);

  async function fileLines(fileId: string | null | undefined): Promise<OutputLine[]> {
    if (fileId === undefined || fileId === null) return [];
    const text = await call(`downloading batch file ${fileId}`, async () =>
      (await client.files.content(fileId)).text(),
    );
    return parseJsonLines<OutputLine>(text);
  }

  return {
    provider: compatible ? 'openai-compatible' : 'openai',
    maxRequests: 50_000,
    maxBytes: 200 * 1024 * 1024,
    requestBytes: (entry) => Buffer.byteLength(inputLine(model, entry, compatible)) + 1,
    async submit(entries, { jobId, onInputFile }) {
      remember(entries);
      const jsonl = `${entries.map((entry) => inputLine(model, entry, compatible)).join('\n')}\n`;
      const file = await call(`uploading the input file of ${jobId}`, async () =>
        client.files.create({ file: await toFile(Buffer.from(jsonl), `${jobId}.jsonl`), purpose: 'batch' }),
      );
      onInputFile?.(file.id);
      const batch = await call(`creating the batch of ${jobId}`, () =>
        client.batches.create({
          input_file_id: file.id,
          endpoint: '/v1/chat/completions',
          completion_window: '24h',
          metadata: { batchprompt_job: jobId },
        }),
      );
      return toState(batch);
    },
    async retrieve(providerJobId) {
      return toState(
        await call(`retrieving batch ${providerJobId}`, () => client.batches.retrieve(providerJobId)),
      );
    },
    async results(providerJobId, requestSent) {
      const batch = await call(`retrieving batch ${providerJobId}`, () =>
        client.batches.retrieve(providerJobId),
      );
      const lines = [...(await fileLines(batch.output_file_id)), ...(await fileLines(batch.error_file_id))];
      return outcomesOf(lines, (line) => line.custom_id, outcomeOf, requestSent);
    },
    async cancel(providerJobId) {
      return toState(
        await call(`cancelling batch ${providerJobId}`, () => client.batches.cancel(providerJobId)),
      );
    },
    async findSubmitted(job, knownIds) {
      const batch = await call(`looking for the batch of ${job.jobId}`, () =>
        findRecentBatch(
          client.batches.list({ limit: 100 }),
          (batch) => batch.metadata?.batchprompt_job === job.jobId && !knownIds.has(batch.id),
        ),
      );
      return batch === undefined ? undefined : toState(batch);
    },
  };
}
