import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchJob, GoogleGenAI } from '@google/genai';
import type { FinishReason, GenerateRequest } from '../spec/chat-model.js';
import { isRetryableStatus } from '../spec/errors.js';
import type { BatchEntry, BatchProvider, ProviderJobState, ProviderOutcome } from './batch-provider.js';
import { batchReplyUsage, sumOfCounts } from './batch-reply-usage.js';
import { createFileBatchSession, findRecentBatch, parseJsonLines } from './file-batch-api.js';

export interface GeminiBatchProviderOptions {
  client: GoogleGenAI;
  /** The provider's model name, e.g. `gemini-2.5-flash`. */
  model: string;
  secrets: readonly string[];
  /** Where a result file is written while it is read (the SDK downloads to a path). @default os.tmpdir() */
  scratchDirectory?: string;
}

/** States after which a batch changes no more (the SDK's names for Gemini's `BATCH_STATE_*`). */
const endedStates = new Set([
  'JOB_STATE_SUCCEEDED',
  'JOB_STATE_FAILED',
  'JOB_STATE_CANCELLED',
  'JOB_STATE_EXPIRED',
]);
/** gRPC status names of a request that may pass when sent again. */
const retryableStatusNames = new Set(['RESOURCE_EXHAUSTED', 'INTERNAL', 'UNAVAILABLE', 'DEADLINE_EXCEEDED']);
/** The HTTP status Google's APIs answer with for each gRPC status name. */
const httpStatusOfName: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ABORTED: 409,
  ALREADY_EXISTS: 409,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  UNKNOWN: 500,
  INTERNAL: 500,
  DATA_LOSS: 500,
  UNIMPLEMENTED: 501,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

/** The display name a job gets at Gemini: how a resumed process finds a batch it did not live to record. */
export function geminiDisplayName(jobId: string): string {
  return `batchprompt ${jobId}`;
}

/**
 * The `GenerateContentRequest` the online adapter would send: system messages as
 * `systemInstruction`, the others as `contents` (an assistant turn is `model`), a JSON schema as
 * `responseJsonSchema`.
 */
function generateContentRequest(request: GenerateRequest): Record<string, unknown> {
  const system = request.messages.filter((message) => message.role === 'system');
  const format = request.responseFormat;
  return {
    contents: request.messages
      .filter((message) => message.role !== 'system')
      .map((message) => ({
        role: message.role === 'assistant' ? 'model' : 'user',
        parts: [{ text: message.content }],
      })),
    ...(system.length === 0
      ? {}
      : { systemInstruction: { parts: system.map((message) => ({ text: message.content })) } }),
    generationConfig: {
      temperature: request.temperature ?? 0,
      ...(request.maxOutputTokens === undefined ? {} : { maxOutputTokens: request.maxOutputTokens }),
      ...(request.seed === undefined ? {} : { seed: request.seed }),
      ...(format?.type === 'json'
        ? { responseMimeType: 'application/json', responseJsonSchema: format.schema }
        : {}),
    },
  };
}

/** One line of the input file: Gemini echoes `key` on the line of its result. */
function inputLine(entry: BatchEntry): string {
  return JSON.stringify({ key: entry.customId, request: generateContentRequest(entry.request) });
}

function toState(job: BatchJob): ProviderJobState {
  const status = job.state ?? 'JOB_STATE_UNSPECIFIED';
  return {
    providerJobId: job.name ?? '',
    status,
    ended: endedStates.has(status),
    cancelled: status === 'JOB_STATE_CANCELLING' || status === 'JOB_STATE_CANCELLED',
    ...(status === 'JOB_STATE_FAILED'
      ? { failure: job.error?.message ?? 'Gemini reports the batch as failed and gives no reason' }
      : {}),
    // Gemini's batchStats do not survive the SDK's conversion of a batch: no progress figures.
    createdAtMs: Date.parse(job.createTime ?? '') || 0,
  };
}

function finishReasonOf(reason: unknown): FinishReason {
  if (reason === 'STOP') return 'stop';
  if (reason === 'MAX_TOKENS') return 'length';
  if (
    reason === 'SAFETY' ||
    reason === 'RECITATION' ||
    reason === 'BLOCKLIST' ||
    reason === 'PROHIBITED_CONTENT' ||
    reason === 'SPII'
  )
    return 'content-filter';
  return 'other';
}

interface ResponseLine {
  key?: unknown;
  response?: {
    candidates?: { content?: { parts?: { text?: string; thought?: boolean }[] }; finishReason?: string }[];
    promptFeedback?: { blockReason?: string };
    usageMetadata?: {
      promptTokenCount?: number;
      candidatesTokenCount?: number;
      thoughtsTokenCount?: number;
      cachedContentTokenCount?: number;
    };
  };
  /** A request that failed: a `google.rpc.Status` (`error`, or `status` on some lines). */
  error?: { code?: number; message?: string; status?: string };
  status?: { code?: number; message?: string; status?: string };
}

function outcomeOf(
  line: ResponseLine,
  customId: string,
  request: GenerateRequest | undefined,
): ProviderOutcome {
  const response = line.response;
  if (response === undefined || response === null) {
    const failure = line.error ?? line.status ?? {};
    const code = typeof failure.code === 'number' ? failure.code : undefined;
    // A google.rpc.Status holds a gRPC code (under 100) with its name, an error body an HTTP status.
    const status = code !== undefined && code >= 100 ? code : httpStatusOfName[failure.status ?? ''];
    return {
      customId,
      state: 'errored',
      error: `${failure.status ?? (code === undefined ? 'error' : `code ${code}`)}: ${failure.message ?? 'no message'}`,
      retryable:
        retryableStatusNames.has(failure.status ?? '') || (code !== undefined && isRetryableStatus(code)),
      ...(status === undefined ? {} : { status }),
    };
  }
  const candidate = response.candidates?.[0];
  // Thought parts are the model's reasoning, not its answer (as the online adapter reads them).
  const text = (candidate?.content?.parts ?? [])
    .filter((part) => part.thought !== true)
    .map((part) => part.text ?? '')
    .join('');
  // Whatever the result holds: the figures are checked as an online reply's are.
  const usage = response.usageMetadata as Partial<Record<string, unknown>> | null | undefined;
  return {
    customId,
    state: 'succeeded',
    reply: {
      text,
      finishReason:
        candidate === undefined && response.promptFeedback?.blockReason !== undefined
          ? 'content-filter'
          : finishReasonOf(candidate?.finishReason),
      // As the online adapter counts them: thinking tokens are billed as output.
      usage: batchReplyUsage(
        {
          inputTokens: usage?.promptTokenCount,
          outputTokens:
            usage?.candidatesTokenCount === undefined
              ? undefined
              : sumOfCounts(usage.candidatesTokenCount, usage.thoughtsTokenCount ?? 0),
          cachedInputTokens: usage?.cachedContentTokenCount,
        },
        request,
        text,
      ),
    },
  };
}

/**
 * Gemini's batch mode through `@google/genai`: a JSONL input file uploaded with the Files API, a
 * batch created from it with `batchGenerateContent`, results read from its responses file, each
 * line carrying the key of its request. Inline requests are not used: their responses come back
 * without the request's metadata and, on large batches, out of order (googleapis/js-genai #1191,
 * googleapis/python-genai #1909), so they could only be matched by position.
 */
export function createGeminiBatchProvider({
  client,
  model,
  secrets,
  scratchDirectory,
}: GeminiBatchProviderOptions): BatchProvider {
  const { call, remember, outcomesOf } = createFileBatchSession(secrets);

  async function fileLines(fileName: string): Promise<ResponseLine[]> {
    const directory = await mkdtemp(join(scratchDirectory ?? tmpdir(), 'batchprompt-gemini-'));
    try {
      return await call(`downloading batch file ${fileName}`, async () => {
        const path = join(directory, 'responses.jsonl');
        await client.files.download({ file: fileName, downloadPath: path });
        return parseJsonLines<ResponseLine>(await readFile(path, 'utf8'));
      });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }

  function getJob(name: string): Promise<BatchJob> {
    return call(`retrieving batch ${name}`, () => client.batches.get({ name }));
  }

  return {
    provider: 'google',
    // Gemini limits an input file to 2 GB and names no limit on requests; this bound keeps one
    // job's results file a size a process reads at once.
    maxRequests: 100_000,
    maxBytes: 2 * 1024 * 1024 * 1024,
    requestBytes: (entry) => Buffer.byteLength(inputLine(entry)) + 1,
    async submit(entries, { jobId, onInputFile }) {
      remember(entries);
      const jsonl = `${entries.map(inputLine).join('\n')}\n`;
      const fileName = await call(`uploading the input file of ${jobId}`, async () => {
        const file = await client.files.upload({
          file: new Blob([jsonl]),
          config: { displayName: `${jobId}.jsonl`, mimeType: 'jsonl' },
        });
        if (file.name === undefined) throw new Error('the uploaded file has no name');
        return file.name;
      });
      onInputFile?.(fileName);
      const job = await call(`creating the batch of ${jobId}`, () =>
        client.batches.create({ model, src: fileName, config: { displayName: geminiDisplayName(jobId) } }),
      );
      return toState(job);
    },
    async retrieve(providerJobId) {
      return toState(await getJob(providerJobId));
    },
    async results(providerJobId, requestSent) {
      const job = await getJob(providerJobId);
      const fileName = job.dest?.fileName;
      if (fileName === undefined) return [];
      const lines = await fileLines(fileName);
      return outcomesOf(lines, (line) => line.key, outcomeOf, requestSent);
    },
    async cancel(providerJobId) {
      await call(`cancelling batch ${providerJobId}`, () => client.batches.cancel({ name: providerJobId }));
      return toState(await getJob(providerJobId));
    },
    async findSubmitted(job, knownIds) {
      const displayName = geminiDisplayName(job.jobId);
      const batch = await call(`looking for the batch of ${job.jobId}`, async () =>
        findRecentBatch(
          await client.batches.list({ config: { pageSize: 100 } }),
          (batch) =>
            batch.displayName === displayName && batch.name !== undefined && !knownIds.has(batch.name),
        ),
      );
      return batch === undefined ? undefined : toState(batch);
    },
  };
}
