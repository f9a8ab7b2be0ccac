import type {
  ChatMessage,
  ChatModel,
  GenerateRequest,
  GenerateResult,
  ResponseFormat,
} from '../spec/chat-model.js';
import { InputError } from '../spec/errors.js';
import { hashUniforms, textDigest } from './sim-random.js';

/** Settings of the simulator's batch endpoints (`/v1/files`, `/v1/batches`, `/v1/messages/batches`). */
export interface SimBatchOptions {
  /** Milliseconds from a job's creation until it ends. @default 0 */
  completionDelayMs?: number;
  /** The first this many jobs fail to validate (OpenAI: status `failed`; Anthropic: a 400 at creation). @default 0 */
  failValidationJobs?: number;
  /** The next this many jobs expire with only part of their requests done. @default 0 */
  expireJobs?: number;
  /** Share of an expiring job's requests that were done when it expired. @default 0.6 */
  expireDoneShare?: number;
  /** Share of the requests in a job that end with a server error instead of a reply. @default 0 */
  requestErrorRate?: number;
}

export interface SimBatchStats {
  filesUploaded: number;
  /** Jobs the server accepted (a job refused at creation is not counted). */
  jobsCreated: number;
  /** Requests in accepted jobs. */
  requestsSubmitted: number;
  /** Requests answered by the simulated model, in jobs of either API. */
  requestsAnswered: number;
  requestsErrored: number;
  requestsExpired: number;
  requestsCanceled: number;
  cancels: number;
  promptTokens: number;
  completionTokens: number;
}

export interface SimBatchReply {
  status: number;
  body: unknown;
  contentType?: string;
}

/** A request that the route refused; turned into the API's error shape by the caller. */
export class SimBatchHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
  ) {
    super(message);
  }
}

type JobFault = 'fail-validation' | 'expire' | undefined;

interface JobRequest {
  customId: string;
  request: GenerateRequest;
  /** The model name the request asked for, echoed in its reply. */
  model: string;
}

type RequestOutcome =
  | { kind: 'succeeded'; result: GenerateResult; model: string }
  | { kind: 'errored'; message: string }
  | { kind: 'expired' }
  | { kind: 'canceled' };

interface SimJob {
  api: 'openai' | 'anthropic';
  id: string;
  createdAtMs: number;
  requests: JobRequest[];
  fault: JobFault;
  inputFileId?: string;
  metadata?: Record<string, string> | null;
  /** OpenAI: validation errors that make the job `failed`. */
  validationErrors: { code: string; message: string; line: number | null; param: string | null }[];
  cancelAtMs?: number;
  endedAtMs?: number;
  outcomes?: Map<string, RequestOutcome>;
  finishing?: Promise<void>;
  outputFileId?: string;
  errorFileId?: string;
  endState?: 'completed' | 'expired' | 'cancelled' | 'failed';
}

interface SimFile {
  id: string;
  bytes: number;
  createdAt: number;
  filename: string;
  purpose: string;
  content: string;
}

const openAiMaxRequests = 50_000;
const openAiMaxBytes = 200 * 1024 * 1024;
const anthropicMaxRequests = 100_000;
const dayMs = 24 * 60 * 60 * 1000;
const anthropicCustomId = /^[a-zA-Z0-9_-]{1,64}$/;

function shareOption(name: string, value: number | undefined, fallback: number): number {
  const share = value ?? fallback;
  if (!(share >= 0 && share <= 1)) {
    throw new InputError(`Expected \`${name}\` to be a number from 0 to 1, got \`${String(value)}\``, {
      field: name,
    });
  }
  return share;
}

function countOption(name: string, value: number | undefined): number {
  const count = value ?? 0;
  if (!Number.isInteger(count) || count < 0) {
    throw new InputError(`Expected \`${name}\` to be an integer >= 0, got \`${String(value)}\``, {
      field: name,
    });
  }
  return count;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Text of a message content: a string, or an array of text blocks (both APIs allow either). */
function contentText(content: unknown, where: string): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((block) => {
        const part = asRecord(block);
        return part?.type === 'text' && typeof part.text === 'string' ? part.text : '';
      })
      .join('');
  }
  if (content === null || content === undefined) return '';
  throw new SimBatchHttpError(400, `${where}.content must be a string or an array of text blocks`);
}

function openAiMessages(value: unknown, where: string): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new SimBatchHttpError(400, `${where}.messages must be a non-empty array`);
  }
  return value.map((entry, index) => {
    const record = asRecord(entry) ?? {};
    const role = record.role === 'developer' ? 'system' : record.role;
    if (role !== 'system' && role !== 'user' && role !== 'assistant') {
      throw new SimBatchHttpError(
        400,
        `${where}.messages[${index}].role must be system, developer, user or assistant`,
      );
    }
    return { role, content: contentText(record.content, `${where}.messages[${index}]`) };
  });
}

function openAiResponseFormat(value: unknown): ResponseFormat {
  const format = asRecord(value);
  if (format?.type === 'json_schema') {
    const jsonSchema = asRecord(format.json_schema) ?? {};
    return {
      type: 'json',
      schema: asRecord(jsonSchema.schema) ?? {},
      name: typeof jsonSchema.name === 'string' ? jsonSchema.name : 'response',
    };
  }
  if (format?.type === 'json_object') return { type: 'json', schema: {}, name: 'json_object' };
  return { type: 'text' };
}

function optionalPositiveInteger(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new SimBatchHttpError(400, `\`${name}\` must be an integer >= 1`);
  }
  return value;
}

/** An OpenAI chat completions body as the simulated model's request. */
function openAiRequest(body: Record<string, unknown>, where: string): GenerateRequest {
  const maxOutputTokens =
    optionalPositiveInteger(body.max_completion_tokens, `${where}.max_completion_tokens`) ??
    optionalPositiveInteger(body.max_tokens, `${where}.max_tokens`);
  return {
    messages: openAiMessages(body.messages, where),
    responseFormat: openAiResponseFormat(body.response_format),
    ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
    ...(typeof body.temperature === 'number' ? { temperature: body.temperature } : {}),
    ...(typeof body.seed === 'number' ? { seed: body.seed } : {}),
  };
}

/** Anthropic Messages params as the simulated model's request: `system` becomes the first message. */
function anthropicRequest(params: Record<string, unknown>, where: string): GenerateRequest {
  if (typeof params.model !== 'string') throw new SimBatchHttpError(400, `${where}.model: Field required`);
  const maxTokens = optionalPositiveInteger(params.max_tokens, `${where}.max_tokens`);
  if (maxTokens === undefined) throw new SimBatchHttpError(400, `${where}.max_tokens: Field required`);
  if (!Array.isArray(params.messages) || params.messages.length === 0) {
    throw new SimBatchHttpError(400, `${where}.messages: at least one message is required`);
  }
  const messages: ChatMessage[] = [];
  if (params.system !== undefined)
    messages.push({ role: 'system', content: contentText(params.system, `${where}.system`) });
  params.messages.forEach((entry, index) => {
    const record = asRecord(entry) ?? {};
    if (record.role !== 'user' && record.role !== 'assistant') {
      throw new SimBatchHttpError(
        400,
        `${where}.messages.${index}.role: Input should be 'user' or 'assistant'`,
      );
    }
    messages.push({ role: record.role, content: contentText(record.content, `${where}.messages.${index}`) });
  });
  const format = asRecord(asRecord(params.output_config)?.format);
  const responseFormat: ResponseFormat =
    format?.type === 'json_schema'
      ? { type: 'json', schema: asRecord(format.schema) ?? {}, name: 'response' }
      : { type: 'text' };
  return {
    messages,
    responseFormat,
    maxOutputTokens: maxTokens,
    ...(typeof params.temperature === 'number' ? { temperature: params.temperature } : {}),
  };
}

/** The `file` and other fields of a multipart/form-data body (what the OpenAI SDK uploads). */
function parseMultipart(
  body: string,
  contentType: string | undefined,
): { fields: Record<string, string>; filename?: string } {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  const marker = boundary?.[1] ?? boundary?.[2];
  if (marker === undefined) throw new SimBatchHttpError(400, 'expected a multipart/form-data body');
  const fields: Record<string, string> = {};
  let filename: string | undefined;
  for (const part of body.split(`--${marker}`)) {
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) continue;
    const headers = part.slice(0, headerEnd);
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    if (name === undefined) continue;
    const file = /filename="([^"]*)"/i.exec(headers)?.[1];
    if (file !== undefined) filename = file;
    // Each part ends with the CRLF that precedes the next boundary.
    fields[name] = part.slice(headerEnd + 4).replace(/\r\n$/, '');
  }
  return { fields, ...(filename === undefined ? {} : { filename }) };
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * OpenAI's Files and Batch API and Anthropic's Message Batches API, answered by the simulated
 * model. Jobs move on when they are looked at (retrieve, list, cancel, results), not on timers:
 * a job has ended once `completionDelayMs` passed since its creation. Objects carry the fields of
 * the providers' published types (checked in serve-batch-api.test.ts against the SDKs' types).
 */
export function createSimBatchApi({
  model,
  seed,
  options = {},
  now = Date.now,
  baseUrl,
}: {
  model: ChatModel;
  seed: number;
  options?: SimBatchOptions;
  now?: () => number;
  /** The server's root URL, for Anthropic's absolute `results_url`. */
  baseUrl: () => string;
}) {
  const completionDelayMs = countOption('batch.completionDelayMs', options.completionDelayMs);
  const failValidationJobs = countOption('batch.failValidationJobs', options.failValidationJobs);
  const expireJobs = countOption('batch.expireJobs', options.expireJobs);
  const expireDoneShare = shareOption('batch.expireDoneShare', options.expireDoneShare, 0.6);
  const requestErrorRate = shareOption('batch.requestErrorRate', options.requestErrorRate, 0);
  const files = new Map<string, SimFile>();
  const jobs = new Map<string, SimJob>();
  let jobsSeen = 0;
  const stats: SimBatchStats = {
    filesUploaded: 0,
    jobsCreated: 0,
    requestsSubmitted: 0,
    requestsAnswered: 0,
    requestsErrored: 0,
    requestsExpired: 0,
    requestsCanceled: 0,
    cancels: 0,
    promptTokens: 0,
    completionTokens: 0,
  };

  function nextFault(): JobFault {
    const index = jobsSeen;
    jobsSeen += 1;
    if (index < failValidationJobs) return 'fail-validation';
    if (index < failValidationJobs + expireJobs) return 'expire';
    return undefined;
  }

  function newId(prefix: string, ...parts: unknown[]): string {
    return `${prefix}${textDigest(`${parts.join(':')}:${now()}:${files.size}:${jobs.size}`).slice(0, 24)}`;
  }

  function storeFile(content: string, filename: string, purpose: string): SimFile {
    const file: SimFile = {
      id: newId('file-sim', filename, content.length, Math.random()),
      bytes: Buffer.byteLength(content),
      createdAt: seconds(now()),
      filename,
      purpose,
      content,
    };
    files.set(file.id, file);
    return file;
  }

  function fileObject(file: SimFile) {
    return {
      id: file.id,
      object: 'file' as const,
      bytes: file.bytes,
      created_at: file.createdAt,
      filename: file.filename,
      purpose: file.purpose,
      status: 'processed' as const,
      expires_at: file.createdAt + 30 * 24 * 60 * 60,
      status_details: null,
    };
  }

  /** Which requests of an ending job were done, and what became of each. */
  async function finish(job: SimJob): Promise<void> {
    const endedAtMs = job.cancelAtMs ?? now();
    const doneShare =
      job.fault === 'expire'
        ? expireDoneShare
        : job.cancelAtMs !== undefined
          ? completionDelayMs === 0
            ? 1
            : Math.min(1, (job.cancelAtMs - job.createdAtMs) / completionDelayMs)
          : 1;
    // The requests done before the end are drawn by hash, not taken in file order.
    const order = [...job.requests].sort(
      (left, right) =>
        (hashUniforms(1, 'batch-order', seed, job.id, left.customId)[0] ?? 0) -
        (hashUniforms(1, 'batch-order', seed, job.id, right.customId)[0] ?? 0),
    );
    const doneCount = Math.round(order.length * doneShare);
    const outcomes = new Map<string, RequestOutcome>();
    for (const [position, entry] of order.entries()) {
      if (position >= doneCount) {
        const kind = job.fault === 'expire' ? 'expired' : 'canceled';
        outcomes.set(entry.customId, { kind });
        if (kind === 'expired') stats.requestsExpired += 1;
        else stats.requestsCanceled += 1;
        continue;
      }
      const [draw = 1] = hashUniforms(1, 'batch-request-error', seed, job.id, entry.customId);
      if (draw < requestErrorRate) {
        outcomes.set(entry.customId, {
          kind: 'errored',
          message: 'The server had an error while processing your request (simulated fault)',
        });
        stats.requestsErrored += 1;
        continue;
      }
      const result = await model.generate(entry.request);
      stats.requestsAnswered += 1;
      stats.promptTokens += result.usage.inputTokens;
      stats.completionTokens += result.usage.outputTokens;
      outcomes.set(entry.customId, { kind: 'succeeded', result, model: entry.model });
    }
    job.outcomes = outcomes;
    job.endedAtMs = endedAtMs;
    job.endState =
      job.fault === 'expire' ? 'expired' : job.cancelAtMs !== undefined ? 'cancelled' : 'completed';
    if (job.api === 'openai') writeOpenAiFiles(job);
  }

  /** Brings a job up to date: it ends once its delay passed (an expiring one too) or it was cancelled. */
  async function advance(job: SimJob): Promise<void> {
    if (job.endState !== undefined || job.validationErrors.length > 0) return;
    if (job.cancelAtMs === undefined && now() - job.createdAtMs < completionDelayMs) return;
    job.finishing ??= finish(job);
    await job.finishing;
  }

  function progressCount(job: SimJob): number {
    if (completionDelayMs === 0) return 0;
    const share = Math.min(1, (now() - job.createdAtMs) / completionDelayMs);
    const ceiling = job.fault === 'expire' ? expireDoneShare : 1;
    // Still running: never report everything done.
    return Math.min(job.requests.length - 1, Math.floor(job.requests.length * Math.min(share, ceiling)));
  }

  // ---- OpenAI ----

  function writeOpenAiFiles(job: SimJob): void {
    const outputLines: string[] = [];
    const errorLines: string[] = [];
    for (const entry of job.requests) {
      const outcome = job.outcomes?.get(entry.customId);
      const lineId = newId('batch_req_', job.id, entry.customId);
      if (outcome?.kind === 'succeeded') {
        const { result } = outcome;
        const requestId = textDigest(`${job.id}:${entry.customId}`).slice(0, 32);
        outputLines.push(
          JSON.stringify({
            id: lineId,
            custom_id: entry.customId,
            response: {
              status_code: 200,
              request_id: requestId,
              body: {
                id: `chatcmpl-sim-${textDigest(`${entry.customId}:${result.text}`)}`,
                object: 'chat.completion',
                created: seconds(job.endedAtMs ?? now()),
                model: outcome.model,
                system_fingerprint: `sim-seed-${seed}`,
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
                  prompt_tokens_details: { cached_tokens: 0 },
                },
              },
            },
            error: null,
          }),
        );
      } else if (outcome?.kind === 'errored') {
        errorLines.push(
          JSON.stringify({
            id: lineId,
            custom_id: entry.customId,
            response: {
              status_code: 500,
              request_id: textDigest(`${job.id}:${entry.customId}`).slice(0, 32),
              body: { error: { message: outcome.message, type: 'server_error', param: null, code: null } },
            },
            error: null,
          }),
        );
      } else if (outcome?.kind === 'expired' || outcome?.kind === 'canceled') {
        errorLines.push(
          JSON.stringify({
            id: lineId,
            custom_id: entry.customId,
            response: null,
            error:
              outcome.kind === 'expired'
                ? {
                    code: 'batch_expired',
                    message: 'This request could not be executed before the completion window expired.',
                  }
                : {
                    code: 'batch_cancelled',
                    message: 'This request was not executed because the batch was cancelled.',
                  },
          }),
        );
      }
    }
    if (outputLines.length > 0)
      job.outputFileId = storeFile(
        `${outputLines.join('\n')}\n`,
        `${job.id}_output.jsonl`,
        'batch_output',
      ).id;
    if (errorLines.length > 0)
      job.errorFileId = storeFile(`${errorLines.join('\n')}\n`, `${job.id}_error.jsonl`, 'batch_output').id;
  }

  function openAiStatus(job: SimJob) {
    if (job.validationErrors.length > 0) return 'failed' as const;
    if (job.endState === 'completed') return 'completed' as const;
    if (job.endState === 'expired') return 'expired' as const;
    if (job.endState === 'cancelled') return 'cancelled' as const;
    if (job.cancelAtMs !== undefined) return 'cancelling' as const;
    return 'in_progress' as const;
  }

  function openAiBatch(job: SimJob) {
    const status = openAiStatus(job);
    const created = seconds(job.createdAtMs);
    const outcomes = [...(job.outcomes?.values() ?? [])];
    const completed = outcomes.filter((outcome) => outcome.kind === 'succeeded').length;
    const failed = outcomes.length - completed;
    let inputTokens = 0;
    let outputTokens = 0;
    for (const outcome of outcomes) {
      if (outcome.kind !== 'succeeded') continue;
      inputTokens += outcome.result.usage.inputTokens;
      outputTokens += outcome.result.usage.outputTokens;
    }
    const ended = job.endedAtMs === undefined ? undefined : seconds(job.endedAtMs);
    return {
      id: job.id,
      object: 'batch' as const,
      endpoint: '/v1/chat/completions',
      model: job.requests[0]?.model ?? 'sim',
      errors: job.validationErrors.length > 0 ? { object: 'list', data: job.validationErrors } : null,
      input_file_id: job.inputFileId ?? '',
      completion_window: '24h',
      status,
      output_file_id: job.outputFileId ?? null,
      error_file_id: job.errorFileId ?? null,
      created_at: created,
      in_progress_at: status === 'failed' ? null : created,
      expires_at: created + 24 * 60 * 60,
      finalizing_at: job.endState === 'completed' ? (ended ?? null) : null,
      completed_at: job.endState === 'completed' ? (ended ?? null) : null,
      failed_at: status === 'failed' ? created : null,
      expired_at: job.endState === 'expired' ? (ended ?? null) : null,
      cancelling_at: job.cancelAtMs === undefined ? null : seconds(job.cancelAtMs),
      cancelled_at: job.endState === 'cancelled' ? (ended ?? null) : null,
      request_counts: {
        total: job.requests.length,
        completed: job.outcomes === undefined ? progressCount(job) : completed,
        failed: job.outcomes === undefined ? 0 : failed,
      },
      usage: {
        input_tokens: inputTokens,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: outputTokens,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: inputTokens + outputTokens,
      },
      metadata: job.metadata ?? null,
    };
  }

  function createOpenAiBatch(body: Record<string, unknown>): SimJob {
    if (body.endpoint !== '/v1/chat/completions') {
      throw new SimBatchHttpError(400, 'the simulator runs batches for `/v1/chat/completions` only');
    }
    if (body.completion_window !== '24h')
      throw new SimBatchHttpError(400, '`completion_window` must be `24h`');
    const fileId = body.input_file_id;
    const file = typeof fileId === 'string' ? files.get(fileId) : undefined;
    if (file === undefined)
      throw new SimBatchHttpError(404, `No such File object: ${String(fileId)}`, 'invalid_request_error');
    if (file.purpose !== 'batch')
      throw new SimBatchHttpError(400, `File ${file.id} was not uploaded with purpose \`batch\``);
    const metadata = asRecord(body.metadata) as Record<string, string> | undefined;
    const job: SimJob = {
      api: 'openai',
      id: newId('batch_sim', file.id),
      createdAtMs: now(),
      requests: [],
      fault: nextFault(),
      inputFileId: file.id,
      metadata: metadata ?? null,
      validationErrors: [],
    };
    const lines = file.content.split('\n').filter((line) => line.trim() !== '');
    const seen = new Set<string>();
    if (lines.length > openAiMaxRequests || file.bytes > openAiMaxBytes) {
      job.validationErrors.push({
        code: 'batch_too_large',
        message: `A batch holds at most ${openAiMaxRequests} requests and ${openAiMaxBytes} bytes`,
        line: null,
        param: null,
      });
    }
    lines.forEach((line, index) => {
      const lineNumber = index + 1;
      try {
        const parsed = asRecord(JSON.parse(line));
        if (parsed === undefined) throw new SimBatchHttpError(400, 'a line must be a JSON object');
        const customId = parsed.custom_id;
        if (typeof customId !== 'string' || customId === '')
          throw new SimBatchHttpError(400, '`custom_id` must be a non-empty string');
        if (seen.has(customId)) throw new SimBatchHttpError(400, `duplicate \`custom_id\` ${customId}`);
        seen.add(customId);
        if (parsed.method !== 'POST') throw new SimBatchHttpError(400, '`method` must be POST');
        if (parsed.url !== body.endpoint)
          throw new SimBatchHttpError(400, `\`url\` must be the batch's endpoint ${String(body.endpoint)}`);
        const requestBody = asRecord(parsed.body);
        if (requestBody === undefined || typeof requestBody.model !== 'string') {
          throw new SimBatchHttpError(400, '`body.model` is required');
        }
        job.requests.push({
          customId,
          request: openAiRequest(requestBody, 'body'),
          model: requestBody.model,
        });
      } catch (error) {
        job.validationErrors.push({
          code: 'invalid_request',
          message: error instanceof Error ? error.message : String(error),
          line: lineNumber,
          param: null,
        });
      }
    });
    if (job.fault === 'fail-validation' && job.validationErrors.length === 0) {
      job.validationErrors.push({
        code: 'invalid_request',
        message: 'The input file failed validation (simulated fault)',
        line: 1,
        param: null,
      });
    }
    jobs.set(job.id, job);
    if (job.validationErrors.length === 0) {
      stats.jobsCreated += 1;
      stats.requestsSubmitted += job.requests.length;
    }
    return job;
  }

  async function openAiRoute(
    method: string,
    segments: string[],
    query: URLSearchParams,
    bodyText: string,
    contentType: string | undefined,
  ): Promise<SimBatchReply | undefined> {
    const [resource, id, action] = segments;
    if (resource === 'files') {
      if (method === 'POST' && id === undefined) {
        const { fields, filename } = parseMultipart(bodyText, contentType);
        if (fields.file === undefined) throw new SimBatchHttpError(400, 'the upload has no `file` part');
        const purpose = fields.purpose ?? '';
        if (purpose !== 'batch')
          throw new SimBatchHttpError(400, 'the simulator takes files with purpose `batch` only');
        stats.filesUploaded += 1;
        return { status: 200, body: fileObject(storeFile(fields.file, filename ?? 'upload.jsonl', purpose)) };
      }
      const file = id === undefined ? undefined : files.get(id);
      if (method === 'GET' && id === undefined) {
        return {
          status: 200,
          body: { object: 'list', data: [...files.values()].reverse().map(fileObject), has_more: false },
        };
      }
      if (file === undefined) throw new SimBatchHttpError(404, `No such File object: ${String(id)}`);
      if (method === 'GET' && action === 'content')
        return { status: 200, body: file.content, contentType: 'application/octet-stream' };
      if (method === 'GET' && action === undefined) return { status: 200, body: fileObject(file) };
      if (method === 'DELETE' && action === undefined) {
        files.delete(file.id);
        return { status: 200, body: { id: file.id, object: 'file', deleted: true } };
      }
      return undefined;
    }
    if (resource !== 'batches') return undefined;
    if (method === 'POST' && id === undefined) {
      const body = asRecord(safeJson(bodyText));
      if (body === undefined) throw new SimBatchHttpError(400, 'the request body is not a JSON object');
      const job = createOpenAiBatch(body);
      // A new batch reads as `validating` until it is first looked at again.
      return {
        status: 200,
        body: {
          ...openAiBatch(job),
          status: 'validating',
          in_progress_at: null,
          failed_at: null,
          errors: null,
        },
      };
    }
    if (method === 'GET' && id === undefined) {
      const all = [...jobs.values()].filter((job) => job.api === 'openai').reverse();
      for (const job of all) await advance(job);
      const after = query.get('after');
      const start = after === null ? 0 : all.findIndex((job) => job.id === after) + 1;
      const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 20) || 20));
      const page = all.slice(start, start + limit);
      return {
        status: 200,
        body: {
          object: 'list',
          data: page.map(openAiBatch),
          first_id: page[0]?.id ?? null,
          last_id: page.at(-1)?.id ?? null,
          has_more: start + limit < all.length,
        },
      };
    }
    const job = id === undefined ? undefined : jobs.get(id);
    if (job === undefined || job.api !== 'openai')
      throw new SimBatchHttpError(404, `No batch found with id '${String(id)}'.`);
    if (method === 'GET' && action === undefined) {
      await advance(job);
      return { status: 200, body: openAiBatch(job) };
    }
    if (method === 'POST' && action === 'cancel') {
      await advance(job);
      const status = openAiStatus(job);
      if (status !== 'in_progress' && status !== 'cancelling') {
        throw new SimBatchHttpError(400, `Cannot cancel a batch with status ${status}.`);
      }
      if (job.cancelAtMs === undefined) {
        job.cancelAtMs = now();
        stats.cancels += 1;
      }
      // Cancelling for a moment (reported once), then cancelled on the next look.
      const reply = openAiBatch(job);
      void advance(job);
      return { status: 200, body: reply };
    }
    return undefined;
  }

  // ---- Anthropic ----

  function anthropicCounts(job: SimJob) {
    const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    if (job.outcomes === undefined) {
      counts.processing = job.requests.length;
      return counts;
    }
    for (const outcome of job.outcomes.values()) {
      if (outcome.kind === 'succeeded') counts.succeeded += 1;
      else if (outcome.kind === 'errored') counts.errored += 1;
      else if (outcome.kind === 'expired') counts.expired += 1;
      else counts.canceled += 1;
    }
    return counts;
  }

  function anthropicBatch(job: SimJob) {
    const ended = job.endState !== undefined;
    return {
      id: job.id,
      type: 'message_batch' as const,
      processing_status: ended
        ? ('ended' as const)
        : job.cancelAtMs === undefined
          ? ('in_progress' as const)
          : ('canceling' as const),
      request_counts: anthropicCounts(job),
      ended_at: job.endedAtMs === undefined ? null : isoTime(job.endedAtMs),
      created_at: isoTime(job.createdAtMs),
      expires_at: isoTime(job.createdAtMs + dayMs),
      archived_at: null,
      cancel_initiated_at: job.cancelAtMs === undefined ? null : isoTime(job.cancelAtMs),
      results_url: ended ? `${baseUrl()}/v1/messages/batches/${job.id}/results` : null,
    };
  }

  function anthropicResult(job: SimJob, entry: JobRequest): unknown {
    const outcome = job.outcomes?.get(entry.customId);
    if (outcome === undefined) return { type: 'expired' };
    if (outcome.kind === 'succeeded') {
      const { result } = outcome;
      return {
        type: 'succeeded',
        message: {
          id: `msg_sim_${textDigest(`${entry.customId}:${result.text}`).slice(0, 24)}`,
          type: 'message',
          role: 'assistant',
          model: outcome.model,
          content: [{ type: 'text', text: result.text, citations: null }],
          stop_reason: result.finishReason === 'length' ? 'max_tokens' : 'end_turn',
          stop_sequence: null,
          stop_details: null,
          container: null,
          diagnostics: null,
          usage: {
            input_tokens: result.usage.inputTokens,
            output_tokens: result.usage.outputTokens,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
            cache_creation: null,
            inference_geo: null,
            output_tokens_details: null,
            server_tool_use: null,
            service_tier: 'batch',
            speed: null,
          },
        },
      };
    }
    if (outcome.kind === 'errored') {
      return {
        type: 'errored',
        error: { type: 'error', error: { type: 'api_error', message: outcome.message }, request_id: null },
      };
    }
    return { type: outcome.kind };
  }

  function createAnthropicBatch(body: Record<string, unknown>): SimJob {
    const requests = body.requests;
    if (!Array.isArray(requests) || requests.length === 0)
      throw new SimBatchHttpError(400, 'requests: at least one request is required');
    if (requests.length > anthropicMaxRequests) {
      throw new SimBatchHttpError(
        413,
        `a Message Batch holds at most ${anthropicMaxRequests} requests`,
        'request_too_large',
      );
    }
    const fault = nextFault();
    if (fault === 'fail-validation')
      throw new SimBatchHttpError(400, 'requests.0.params: invalid request (simulated fault)');
    const seen = new Set<string>();
    const parsed: JobRequest[] = requests.map((entry, index) => {
      const record = asRecord(entry) ?? {};
      const customId = record.custom_id;
      if (typeof customId !== 'string' || !anthropicCustomId.test(customId)) {
        throw new SimBatchHttpError(
          400,
          `requests.${index}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`,
        );
      }
      if (seen.has(customId)) throw new SimBatchHttpError(400, `Duplicate custom_id ${customId} in requests`);
      seen.add(customId);
      const params = asRecord(record.params);
      if (params === undefined) throw new SimBatchHttpError(400, `requests.${index}.params: Field required`);
      return {
        customId,
        request: anthropicRequest(params, `requests.${index}.params`),
        model: String(params.model),
      };
    });
    const job: SimJob = {
      api: 'anthropic',
      id: newId('msgbatch_sim', parsed.length),
      createdAtMs: now(),
      requests: parsed,
      fault,
      validationErrors: [],
    };
    jobs.set(job.id, job);
    stats.jobsCreated += 1;
    stats.requestsSubmitted += parsed.length;
    return job;
  }

  async function anthropicRoute(
    method: string,
    segments: string[],
    query: URLSearchParams,
    bodyText: string,
  ): Promise<SimBatchReply | undefined> {
    const [id, action] = segments;
    if (method === 'POST' && id === undefined) {
      const body = asRecord(safeJson(bodyText));
      if (body === undefined) throw new SimBatchHttpError(400, 'the request body is not a JSON object');
      return { status: 200, body: anthropicBatch(createAnthropicBatch(body)) };
    }
    if (method === 'GET' && id === undefined) {
      const all = [...jobs.values()].filter((job) => job.api === 'anthropic').reverse();
      for (const job of all) await advance(job);
      const afterId = query.get('after_id');
      const start = afterId === null ? 0 : all.findIndex((job) => job.id === afterId) + 1;
      const limit = Math.min(1000, Math.max(1, Number(query.get('limit') ?? 20) || 20));
      const page = all.slice(start, start + limit);
      return {
        status: 200,
        body: {
          data: page.map(anthropicBatch),
          has_more: start + limit < all.length,
          first_id: page[0]?.id ?? null,
          last_id: page.at(-1)?.id ?? null,
        },
      };
    }
    const job = id === undefined ? undefined : jobs.get(id);
    if (job === undefined || job.api !== 'anthropic')
      throw new SimBatchHttpError(404, `No message batch with id ${String(id)}`, 'not_found_error');
    if (method === 'GET' && action === undefined) {
      await advance(job);
      return { status: 200, body: anthropicBatch(job) };
    }
    if (method === 'POST' && action === 'cancel') {
      await advance(job);
      if (job.endState === undefined && job.cancelAtMs === undefined) {
        job.cancelAtMs = now();
        stats.cancels += 1;
      }
      const reply = anthropicBatch(job);
      void advance(job);
      return { status: 200, body: reply };
    }
    if (method === 'GET' && action === 'results') {
      await advance(job);
      if (job.endState === undefined)
        throw new SimBatchHttpError(400, `Message batch ${job.id} has not ended yet`);
      const lines = job.requests.map((entry) =>
        JSON.stringify({ custom_id: entry.customId, result: anthropicResult(job, entry) }),
      );
      return { status: 200, body: `${lines.join('\n')}\n`, contentType: 'application/binary' };
    }
    return undefined;
  }

  return {
    /** The reply to a batch route, or `undefined` when the path is not one of them. */
    async handle(
      method: string,
      url: string,
      bodyText: string,
      contentType: string | undefined,
    ): Promise<(SimBatchReply & { api: 'openai' | 'anthropic' }) | undefined> {
      const parsed = new URL(url, 'http://127.0.0.1');
      const segments = parsed.pathname.split('/').filter((segment) => segment !== '');
      if (segments[0] !== 'v1') return undefined;
      const api =
        segments[1] === 'messages' && segments[2] === 'batches'
          ? 'anthropic'
          : segments[1] === 'files' || segments[1] === 'batches'
            ? 'openai'
            : undefined;
      if (api === undefined) return undefined;
      try {
        const reply =
          api === 'anthropic'
            ? await anthropicRoute(method, segments.slice(3), parsed.searchParams, bodyText)
            : await openAiRoute(method, segments.slice(1), parsed.searchParams, bodyText, contentType);
        return reply === undefined ? undefined : { ...reply, api };
      } catch (error) {
        if (!(error instanceof SimBatchHttpError)) throw error;
        // Each API's own error shape, so that each SDK raises its own error class with the message.
        const body =
          api === 'anthropic'
            ? { type: 'error', error: { type: error.type, message: error.message }, request_id: null }
            : { error: { message: error.message, type: error.type, param: null, code: null } };
        return { status: error.status, body, api };
      }
    },
    stats: (): SimBatchStats => ({ ...stats }),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
