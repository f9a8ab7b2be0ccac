import { createHash } from 'node:crypto';
import { geminiResponseBody, readGeminiRequest } from './read-gemini-request.js';
import { asRecord, parseJsonObject, SimHttpError } from './serve-http.js';
import type {
  JobRequest,
  SimBatchJobs,
  SimBatchReply,
  SimFile,
  SimJob,
  SimPaging,
} from './sim-batch-jobs.js';

const dayMs = 24 * 60 * 60 * 1000;
const geminiPaging: SimPaging = { afterParameter: 'pageToken', limitParameter: 'pageSize', maxLimit: 1000 };
const batchType = 'type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch';
const outputType = 'type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput';

/** The gRPC status name Gemini puts beside an HTTP status in its error bodies. */
export function grpcStatusOf(status: number): string {
  if (status === 400) return 'INVALID_ARGUMENT';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'ALREADY_EXISTS';
  if (status === 413) return 'INVALID_ARGUMENT';
  if (status === 429) return 'RESOURCE_EXHAUSTED';
  return 'INTERNAL';
}

/** Gemini's error body. */
export function geminiErrorBody(status: number, message: string) {
  return { error: { code: status, message, status: grpcStatusOf(status) } };
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** A `files/<id>` name from the simulator's file id. */
function fileName(file: SimFile): string {
  return `files/${file.id}`;
}

interface UploadSession {
  displayName: string;
  mimeType: string;
  declaredBytes: number;
  chunks: string[];
}

/**
 * Gemini's batch mode over the simulator's batch jobs, as `@google/genai` calls it: the Files
 * API's resumable upload (`POST /upload/v1beta/files`, then the session URL it hands out),
 * `models/<m>:batchGenerateContent` from an uploaded JSONL file whose lines are
 * `{ key, request }`, batches read, listed and cancelled as long-running operations, and the
 * responses file (`files/<id>:download?alt=media`), one `{ key, response | error }` line per request
 * that ran. `baseUrl` is the server's root, for the upload session URL.
 *
 * Chunks of an upload are read as UTF-8 text one by one, so a character split across the SDK's
 * 8 MB chunks would be garbled: the simulator's files stay below that in tests.
 */
export function createGeminiBatchRoute(batchJobs: SimBatchJobs, baseUrl: () => string) {
  const { files, jobs, stats } = batchJobs;
  const uploads = new Map<string, UploadSession>();

  function fileObject(file: SimFile, mimeType = 'jsonl') {
    const created = isoTime(file.createdAt * 1000);
    return {
      name: fileName(file),
      displayName: file.filename,
      mimeType,
      sizeBytes: String(file.bytes),
      createTime: created,
      updateTime: created,
      expirationTime: isoTime(file.createdAt * 1000 + 2 * dayMs),
      sha256Hash: createHash('sha256').update(file.content).digest('base64'),
      uri: `${baseUrl()}/v1beta/${fileName(file)}`,
      state: 'ACTIVE',
      source: 'UPLOADED',
    };
  }

  /** The responses file of an ended job: one line per request that ran, in input order. */
  function writeResponses(job: SimJob): void {
    const lines: string[] = [];
    for (const entry of job.requests) {
      const outcome = job.outcomes?.get(entry.customId);
      if (outcome?.kind === 'succeeded') {
        lines.push(
          JSON.stringify({
            key: entry.customId,
            response: geminiResponseBody(outcome.result, outcome.model),
          }),
        );
      } else if (outcome?.kind === 'errored') {
        lines.push(
          JSON.stringify({
            key: entry.customId,
            error: { code: 500, message: outcome.message, status: 'INTERNAL' },
          }),
        );
      }
    }
    if (lines.length > 0) {
      job.outputFileId = batchJobs.storeFile(
        `${lines.join('\n')}\n`,
        `${job.id}-responses.jsonl`,
        'batch_output',
      ).id;
    }
  }

  function stateOf(job: SimJob): string {
    if (job.validationErrors.length > 0) return 'BATCH_STATE_FAILED';
    if (job.endState === 'completed') return 'BATCH_STATE_SUCCEEDED';
    if (job.endState === 'expired') return 'BATCH_STATE_EXPIRED';
    if (job.endState === 'cancelled') return 'BATCH_STATE_CANCELLED';
    return 'BATCH_STATE_RUNNING';
  }

  function batchStats(job: SimJob) {
    const outcomes = [...(job.outcomes?.values() ?? [])];
    const succeeded = outcomes.filter((outcome) => outcome.kind === 'succeeded').length;
    const failed = outcomes.filter((outcome) => outcome.kind === 'errored').length;
    const done = job.outcomes === undefined ? batchJobs.progressCount(job) : succeeded;
    // int64 fields, as strings in JSON.
    return {
      requestCount: String(job.requests.length),
      successfulRequestCount: String(done),
      failedRequestCount: String(failed),
      pendingRequestCount: String(job.outcomes === undefined ? job.requests.length - done : 0),
    };
  }

  /** A batch as Gemini returns it: a long-running operation whose metadata is the batch. */
  function batchOperation(job: SimJob, state = stateOf(job)) {
    const done = job.endState !== undefined || job.validationErrors.length > 0;
    const output =
      job.outputFileId === undefined ? undefined : { responsesFile: `files/${job.outputFileId}` };
    return {
      name: job.id,
      metadata: {
        '@type': batchType,
        name: job.id,
        model: `models/${job.requests[0]?.model ?? 'sim'}`,
        displayName: job.metadata?.displayName ?? '',
        inputConfig: { fileName: `files/${job.inputFileId ?? ''}` },
        createTime: isoTime(job.createdAtMs),
        updateTime: isoTime(job.endedAtMs ?? job.cancelAtMs ?? job.createdAtMs),
        ...(job.endedAtMs === undefined ? {} : { endTime: isoTime(job.endedAtMs) }),
        batchStats: batchStats(job),
        state,
        ...(output === undefined ? {} : { output }),
      },
      done,
      ...(output === undefined ? {} : { response: { '@type': outputType, ...output } }),
      ...(job.validationErrors.length > 0
        ? { error: { code: 3, message: job.validationErrors.map((error) => error.message).join('; ') } }
        : {}),
    };
  }

  function readLine(line: string, index: number, seen: Set<string>, model: string): JobRequest {
    const where = `line ${index + 1}`;
    const parsed = asRecord(JSON.parse(line));
    const key = parsed?.key;
    if (typeof key !== 'string' || key === '')
      throw new SimHttpError(400, `${where}: \`key\` must be a non-empty string`);
    if (seen.has(key)) throw new SimHttpError(400, `${where}: duplicate key ${key}`);
    seen.add(key);
    const request = asRecord(parsed?.request);
    if (request === undefined) throw new SimHttpError(400, `${where}: \`request\` is required`);
    // Gemini caches a repeated prefix implicitly, as OpenAI does.
    return {
      customId: key,
      request: readGeminiRequest(request, `${where}.request`),
      model,
      cacheStyle: { kind: 'automatic' },
    };
  }

  function createBatch(model: string, body: Record<string, unknown>): SimJob {
    const batch = asRecord(body.batch) ?? {};
    const inputConfig = asRecord(batch.inputConfig) ?? {};
    if (inputConfig.requests !== undefined) {
      throw new SimHttpError(
        400,
        'the simulator runs batches from an uploaded file only, not inline requests',
      );
    }
    const name = typeof inputConfig.fileName === 'string' ? inputConfig.fileName : '';
    const file = files.get(name.replace(/^files\//, ''));
    if (file === undefined) throw new SimHttpError(404, `File ${name} not found`);
    const seen = new Set<string>();
    return batchJobs.admitFromFile(
      {
        api: 'gemini',
        idPrefix: 'batches/sim',
        file,
        metadata: { displayName: typeof batch.displayName === 'string' ? batch.displayName : '' },
        onEnded: writeResponses,
      },
      (line, index) => readLine(line, index, seen, model),
    );
  }

  /** `POST /upload/v1beta/files`: a resumable upload's start, then its chunks at the session URL. */
  function upload(
    query: URLSearchParams,
    bodyText: string,
    headers: Record<string, string | undefined>,
  ): SimBatchReply {
    const command = headers['x-goog-upload-command'] ?? '';
    const uploadId = query.get('upload_id');
    if (uploadId === null) {
      if (command !== 'start')
        throw new SimHttpError(400, 'an upload starts with X-Goog-Upload-Command: start');
      const file = asRecord(parseJsonObject(bodyText)?.file) ?? {};
      const id = batchJobs.newId('upload-', uploads.size, bodyText);
      uploads.set(id, {
        displayName: typeof file.displayName === 'string' ? file.displayName : 'upload.jsonl',
        mimeType: headers['x-goog-upload-header-content-type'] ?? 'jsonl',
        declaredBytes: Number(headers['x-goog-upload-header-content-length'] ?? Number.NaN),
        chunks: [],
      });
      return {
        status: 200,
        body: {},
        headers: {
          'x-goog-upload-url': `${baseUrl()}/upload/v1beta/files?upload_id=${id}&upload_protocol=resumable`,
          'x-goog-upload-status': 'active',
        },
      };
    }
    const session = uploads.get(uploadId);
    if (session === undefined) throw new SimHttpError(404, `no upload session ${uploadId}`);
    session.chunks.push(bodyText);
    if (!command.includes('finalize'))
      return { status: 200, body: {}, headers: { 'x-goog-upload-status': 'active' } };
    uploads.delete(uploadId);
    const content = session.chunks.join('');
    if (Number.isFinite(session.declaredBytes) && Buffer.byteLength(content) !== session.declaredBytes) {
      throw new SimHttpError(
        400,
        `the upload has ${Buffer.byteLength(content)} bytes, ${session.declaredBytes} were announced`,
      );
    }
    stats.filesUploaded += 1;
    const file = batchJobs.storeFile(content, session.displayName, 'batch');
    return {
      status: 200,
      body: { file: fileObject(file, session.mimeType) },
      headers: { 'x-goog-upload-status': 'final' },
    };
  }

  function filesRoute(method: string, resource: string | undefined): SimBatchReply | undefined {
    if (resource === undefined || method !== 'GET') return undefined;
    const [id, action] = resource.split(':');
    const file = files.get(id ?? '');
    if (file === undefined) throw new SimHttpError(404, `File files/${String(id)} not found`);
    if (action === 'download')
      return { status: 200, body: file.content, contentType: 'application/octet-stream' };
    if (action === undefined) return { status: 200, body: fileObject(file) };
    return undefined;
  }

  async function batchesRoute(
    method: string,
    resource: string | undefined,
    query: URLSearchParams,
  ): Promise<SimBatchReply | undefined> {
    if (method === 'GET' && resource === undefined) {
      const { page, hasMore } = await batchJobs.listJobs('gemini', query, geminiPaging);
      return {
        status: 200,
        body: {
          operations: page.map((job) => batchOperation(job)),
          ...(hasMore && page.length > 0 ? { nextPageToken: page.at(-1)!.id } : {}),
        },
      };
    }
    const [id, action] = (resource ?? '').split(':');
    const job = jobs.get(`batches/${id}`);
    if (job === undefined || job.api !== 'gemini')
      throw new SimHttpError(404, `Batch batches/${String(id)} not found`);
    return batchJobs.readOrCancel(job, method, action, {
      view: (read) => batchOperation(read),
      cancelView: () => ({}),
      cancelRefusal: (cancelled) =>
        cancelled.endState !== undefined || cancelled.validationErrors.length > 0
          ? `Batch ${cancelled.id} has already ended (${stateOf(cancelled)})`
          : undefined,
    });
  }

  /**
   * The reply to a Gemini path (`segments` from its root: `upload/v1beta/files`, `v1beta/...`),
   * or undefined for one the simulator does not serve.
   */
  return async function geminiRoute(
    method: string,
    segments: string[],
    query: URLSearchParams,
    bodyText: string,
    headers: Record<string, string | undefined>,
  ): Promise<SimBatchReply | undefined> {
    const [root, version, family] = segments;
    if (root === 'upload' && version === 'v1beta' && family === 'files' && method === 'POST') {
      return upload(query, bodyText, headers);
    }
    if (root !== 'v1beta') return undefined;
    const [, group, name] = segments;
    if (group === 'files') return filesRoute(method, name);
    if (group === 'batches') return batchesRoute(method, name, query);
    if (group === 'models' && method === 'POST' && name?.endsWith(':batchGenerateContent')) {
      const body = parseJsonObject(bodyText);
      if (body === undefined) throw new SimHttpError(400, 'the request body is not a JSON object');
      const job = createBatch(name.slice(0, -':batchGenerateContent'.length), body);
      return {
        status: 200,
        body: batchOperation(
          job,
          job.validationErrors.length > 0 ? 'BATCH_STATE_FAILED' : 'BATCH_STATE_PENDING',
        ),
      };
    }
    return undefined;
  };
}
