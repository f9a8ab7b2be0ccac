import { chatCompletionBody } from './chat-completion-body.js';
import { readOpenAiChatRequest } from './read-openai-chat-request.js';
import { asRecord, parseJsonObject, SimHttpError } from './serve-http.js';
import {
  type JobRequest,
  type SimBatchJobs,
  type SimBatchReply,
  type SimFile,
  type SimJob,
  type SimPaging,
  seconds,
} from './sim-batch-jobs.js';
import { textDigest } from './sim-random.js';

const openAiMaxRequests = 50_000;
const openAiMaxBytes = 200 * 1024 * 1024;
const openAiPaging: SimPaging = { afterParameter: 'after', limitParameter: 'limit', maxLimit: 100 };

/** The `file` and other fields of a multipart/form-data body (what the OpenAI SDK uploads). */
function parseMultipart(
  body: string,
  contentType: string | undefined,
): { fields: Record<string, string>; filename?: string } {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  const marker = boundary?.[1] ?? boundary?.[2];
  if (marker === undefined) throw new SimHttpError(400, 'expected a multipart/form-data body');
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

/** OpenAI's `file` object. */
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

/** One line of a batch input file as a job's request; throws what makes the line invalid. */
function readBatchLine(line: string, endpoint: unknown, seen: Set<string>): JobRequest {
  const parsed = asRecord(JSON.parse(line));
  if (parsed === undefined) throw new SimHttpError(400, 'a line must be a JSON object');
  const customId = parsed.custom_id;
  if (typeof customId !== 'string' || customId === '')
    throw new SimHttpError(400, '`custom_id` must be a non-empty string');
  if (seen.has(customId)) throw new SimHttpError(400, `duplicate \`custom_id\` ${customId}`);
  seen.add(customId);
  if (parsed.method !== 'POST') throw new SimHttpError(400, '`method` must be POST');
  if (parsed.url !== endpoint)
    throw new SimHttpError(400, `\`url\` must be the batch's endpoint ${String(endpoint)}`);
  const requestBody = asRecord(parsed.body);
  if (requestBody === undefined || typeof requestBody.model !== 'string') {
    throw new SimHttpError(400, '`body.model` is required');
  }
  return {
    customId,
    request: readOpenAiChatRequest(requestBody, 'body'),
    model: requestBody.model,
    cacheStyle: { kind: 'automatic' },
  };
}

/**
 * OpenAI's Files and Batch API (`/v1/files`, `/v1/batches`) over the simulator's batch jobs. Its
 * objects carry the fields of OpenAI's published types (serve-batch-api.test.ts checks them
 * against the SDK's types).
 */
export function createOpenAiBatchRoute(batchJobs: SimBatchJobs, seed: number) {
  const { files, jobs, stats, now } = batchJobs;

  /** The output and error files of an ended job, as OpenAI writes them. */
  function writeOpenAiFiles(job: SimJob): void {
    const outputLines: string[] = [];
    const errorLines: string[] = [];
    for (const entry of job.requests) {
      const outcome = job.outcomes?.get(entry.customId);
      const lineId = batchJobs.newId('batch_req_', job.id, entry.customId);
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
              body: chatCompletionBody({
                id: `chatcmpl-sim-${textDigest(`${entry.customId}:${result.text}`)}`,
                created: seconds(job.endedAtMs ?? now()),
                model: outcome.model,
                systemFingerprint: `sim-seed-${seed}`,
                result,
                cachedTokens: outcome.cache.readTokens,
              }),
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
    const store = (lines: string[], kind: 'output' | 'error') =>
      lines.length === 0
        ? undefined
        : batchJobs.storeFile(`${lines.join('\n')}\n`, `${job.id}_${kind}.jsonl`, 'batch_output').id;
    const outputFileId = store(outputLines, 'output');
    if (outputFileId !== undefined) job.outputFileId = outputFileId;
    const errorFileId = store(errorLines, 'error');
    if (errorFileId !== undefined) job.errorFileId = errorFileId;
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
        completed: job.outcomes === undefined ? batchJobs.progressCount(job) : completed,
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
      throw new SimHttpError(400, 'the simulator runs batches for `/v1/chat/completions` only');
    }
    if (body.completion_window !== '24h') throw new SimHttpError(400, '`completion_window` must be `24h`');
    const fileId = body.input_file_id;
    const file = typeof fileId === 'string' ? files.get(fileId) : undefined;
    if (file === undefined)
      throw new SimHttpError(404, `No such File object: ${String(fileId)}`, 'invalid_request_error');
    if (file.purpose !== 'batch')
      throw new SimHttpError(400, `File ${file.id} was not uploaded with purpose \`batch\``);
    const metadata = asRecord(body.metadata) as Record<string, string> | undefined;
    const lineCount = file.content.split('\n').filter((line) => line.trim() !== '').length;
    const tooLarge = lineCount > openAiMaxRequests || file.bytes > openAiMaxBytes;
    const seen = new Set<string>();
    return batchJobs.admitFromFile(
      {
        api: 'openai',
        idPrefix: 'batch_sim',
        file,
        metadata: metadata ?? null,
        onEnded: writeOpenAiFiles,
        validationErrors: tooLarge
          ? [
              {
                code: 'batch_too_large',
                message: `A batch holds at most ${openAiMaxRequests} requests and ${openAiMaxBytes} bytes`,
                line: null,
                param: null,
              },
            ]
          : [],
      },
      (line) => readBatchLine(line, body.endpoint, seen),
    );
  }

  /** `/v1/files`: upload (multipart, purpose `batch`), list, retrieve, content, delete. */
  function filesRoute(
    method: string,
    id: string | undefined,
    action: string | undefined,
    bodyText: string,
    contentType: string | undefined,
  ): SimBatchReply | undefined {
    if (method === 'POST' && id === undefined) {
      const { fields, filename } = parseMultipart(bodyText, contentType);
      if (fields.file === undefined) throw new SimHttpError(400, 'the upload has no `file` part');
      const purpose = fields.purpose ?? '';
      if (purpose !== 'batch')
        throw new SimHttpError(400, 'the simulator takes files with purpose `batch` only');
      stats.filesUploaded += 1;
      return {
        status: 200,
        body: fileObject(batchJobs.storeFile(fields.file, filename ?? 'upload.jsonl', purpose)),
      };
    }
    const file = id === undefined ? undefined : files.get(id);
    if (method === 'GET' && id === undefined) {
      return {
        status: 200,
        body: { object: 'list', data: [...files.values()].reverse().map(fileObject), has_more: false },
      };
    }
    if (file === undefined) throw new SimHttpError(404, `No such File object: ${String(id)}`);
    if (method === 'GET' && action === 'content')
      return { status: 200, body: file.content, contentType: 'application/octet-stream' };
    if (method === 'GET' && action === undefined) return { status: 200, body: fileObject(file) };
    if (method === 'DELETE' && action === undefined) {
      files.delete(file.id);
      return { status: 200, body: { id: file.id, object: 'file', deleted: true } };
    }
    return undefined;
  }

  /** `/v1/batches`: create, list (newest first, `after` and `limit`), retrieve, cancel. */
  async function batchesRoute(
    method: string,
    id: string | undefined,
    action: string | undefined,
    query: URLSearchParams,
    bodyText: string,
  ): Promise<SimBatchReply | undefined> {
    if (method === 'POST' && id === undefined) {
      const body = parseJsonObject(bodyText);
      if (body === undefined) throw new SimHttpError(400, 'the request body is not a JSON object');
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
      const { page, hasMore } = await batchJobs.listJobs('openai', query, openAiPaging);
      return {
        status: 200,
        body: {
          object: 'list',
          data: page.map(openAiBatch),
          first_id: page[0]?.id ?? null,
          last_id: page.at(-1)?.id ?? null,
          has_more: hasMore,
        },
      };
    }
    const job = id === undefined ? undefined : jobs.get(id);
    if (job === undefined || job.api !== 'openai')
      throw new SimHttpError(404, `No batch found with id '${String(id)}'.`);
    // Cancelling for a moment (reported once), then cancelled on the next look.
    return batchJobs.readOrCancel(job, method, action, {
      view: openAiBatch,
      cancelRefusal: (cancelled) => {
        const status = openAiStatus(cancelled);
        return status === 'in_progress' || status === 'cancelling'
          ? undefined
          : `Cannot cancel a batch with status ${status}.`;
      },
    });
  }

  /** The reply to `/v1/<segments>`, or undefined for a path or method the API does not have. */
  return async function openAiRoute(
    method: string,
    segments: string[],
    query: URLSearchParams,
    bodyText: string,
    contentType: string | undefined,
  ): Promise<SimBatchReply | undefined> {
    const [resource, id, action] = segments;
    if (resource === 'files') return filesRoute(method, id, action, bodyText, contentType);
    if (resource === 'batches') return batchesRoute(method, id, action, query, bodyText);
    return undefined;
  };
}
