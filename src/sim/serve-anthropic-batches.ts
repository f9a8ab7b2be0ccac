import { readAnthropicRequest } from './read-anthropic-request.js';
import { asRecord, parseJsonObject, SimHttpError } from './serve-http.js';
import type { JobRequest, SimBatchJobs, SimBatchReply, SimJob, SimPaging } from './sim-batch-jobs.js';
import { textDigest } from './sim-random.js';

const anthropicMaxRequests = 100_000;
const anthropicPaging: SimPaging = { afterParameter: 'after_id', limitParameter: 'limit', maxLimit: 1000 };
const dayMs = 24 * 60 * 60 * 1000;
const anthropicCustomId = /^[a-zA-Z0-9_-]{1,64}$/;

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Anthropic's Message Batches API (`/v1/messages/batches`) over the simulator's batch jobs. Its
 * objects carry the fields of Anthropic's published types (serve-batch-api.test.ts checks them
 * against the SDK's types). `baseUrl` is the server's root, for the absolute `results_url`.
 */
export function createAnthropicBatchRoute(batchJobs: SimBatchJobs, baseUrl: () => string) {
  const { jobs, now, nextFault, newId, advance, accept, readOrCancel, listJobs } = batchJobs;

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
            // Anthropic's input_tokens leave out what was read from or written to the cache.
            input_tokens: result.usage.inputTokens - outcome.cache.readTokens - outcome.cache.writeTokens,
            output_tokens: result.usage.outputTokens,
            cache_creation_input_tokens: outcome.cache.writeTokens,
            cache_read_input_tokens: outcome.cache.readTokens,
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
      throw new SimHttpError(400, 'requests: at least one request is required');
    if (requests.length > anthropicMaxRequests) {
      throw new SimHttpError(
        413,
        `a Message Batch holds at most ${anthropicMaxRequests} requests`,
        'request_too_large',
      );
    }
    const fault = nextFault();
    if (fault === 'fail-validation')
      throw new SimHttpError(400, 'requests.0.params: invalid request (simulated fault)');
    const seen = new Set<string>();
    const parsed: JobRequest[] = requests.map((entry, index) => {
      const record = asRecord(entry) ?? {};
      const customId = record.custom_id;
      if (typeof customId !== 'string' || !anthropicCustomId.test(customId)) {
        throw new SimHttpError(
          400,
          `requests.${index}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`,
        );
      }
      if (seen.has(customId)) throw new SimHttpError(400, `Duplicate custom_id ${customId} in requests`);
      seen.add(customId);
      const params = asRecord(record.params);
      if (params === undefined) throw new SimHttpError(400, `requests.${index}.params: Field required`);
      const { request, breakpoints } = readAnthropicRequest(params, `requests.${index}.params`);
      return { customId, request, model: String(params.model), cacheStyle: { kind: 'marked', breakpoints } };
    });
    const job: SimJob = {
      api: 'anthropic',
      id: newId('msgbatch_sim', parsed.length),
      createdAtMs: now(),
      requests: parsed,
      fault,
      validationErrors: [],
    };
    accept(job);
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
      const body = parseJsonObject(bodyText);
      if (body === undefined) throw new SimHttpError(400, 'the request body is not a JSON object');
      return { status: 200, body: anthropicBatch(createAnthropicBatch(body)) };
    }
    if (method === 'GET' && id === undefined) {
      const { page, hasMore } = await listJobs('anthropic', query, anthropicPaging);
      return {
        status: 200,
        body: {
          data: page.map(anthropicBatch),
          has_more: hasMore,
          first_id: page[0]?.id ?? null,
          last_id: page.at(-1)?.id ?? null,
        },
      };
    }
    const job = id === undefined ? undefined : jobs.get(id);
    if (job === undefined || job.api !== 'anthropic')
      throw new SimHttpError(404, `No message batch with id ${String(id)}`, 'not_found_error');
    if (method === 'GET' && action === 'results') {
      await advance(job);
      if (job.endState === undefined)
        throw new SimHttpError(400, `Message batch ${job.id} has not ended yet`);
      const lines = job.requests.map((entry) =>
        JSON.stringify({ custom_id: entry.customId, result: anthropicResult(job, entry) }),
      );
      return { status: 200, body: `${lines.join('\n')}\n`, contentType: 'application/binary' };
    }
    return readOrCancel(job, method, action, { view: anthropicBatch });
  }

  return anthropicRoute;
}
