import { AsyncLocalStorage } from 'node:async_hooks';
import { ApiCallError } from '../spec/errors.js';
import { redactSecrets } from './redact-secrets.js';

export interface BodyLimits {
  /** Largest success body accepted when a call sets no limit of its own, in bytes. @default 4 MiB */
  maxReplyBytes?: number;
  /** Error bodies are cut to this many bytes: the call has failed anyway, its message needs the start. @default 64 KiB */
  maxErrorBytes?: number;
}

/**
 * One call as `boundedFetch` sees it, deep inside the provider SDK's request: the adapter sets the
 * limit around each call from its output cap, and reads back what the server sent, so that a
 * reply the SDK could not use is still counted (a provider bills a body it sent, readable or not).
 */
export interface CallReply {
  /** Largest success body accepted for this call, in bytes. */
  limit: number;
  /** Status of the response, once one arrived. */
  status?: number;
  /** The success body as received, cut at the limit when it was larger; '' when none was read. */
  body?: string;
  /** Token counts in the body's usage that were no counts (text, null, negative); zeroed before the SDK read them. */
  unusableUsage?: string[];
  /** Called as the request goes to the network (`GenerateRequest.onSent`). */
  onSent?: () => void;
}

export const callReply = new AsyncLocalStorage<CallReply>();

/**
 * A `fetch` that never holds more of a response body than its limit: a success body larger than
 * the call's limit (see `replyBodyLimit`) fails the call with a non-retryable `ApiCallError`, read
 * no further; an error body is cut to `maxErrorBytes`. Memory then stays bounded whatever a
 * server sends, however long it keeps sending.
 */
export function boundedFetch(
  inner: typeof globalThis.fetch = globalThis.fetch,
  limits: BodyLimits = {},
): typeof fetch {
  const defaultReplyBytes = limits.maxReplyBytes ?? 4 * 1024 * 1024;
  const maxErrorBytes = limits.maxErrorBytes ?? 64 * 1024;
  return async (input, init) => {
    const call = callReply.getStore();
    call?.onSent?.();
    const response = await inner(input, init);
    if (response.body === null) return response;
    if (call !== undefined) call.status = response.status;
    const limit = response.ok ? (call?.limit ?? defaultReplyBytes) : maxErrorBytes;
    const url = redactSecrets(
      typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
    );
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (response.ok && declared > limit) {
      await response.body.cancel().catch(() => {});
      if (call !== undefined) call.body = '';
      throw tooLarge(url, response.status, `${declared} bytes declared`, limit);
    }
    let { bytes, cut } = await readAtMost(response.body, limit);
    if (response.ok && call !== undefined) {
      call.body = new TextDecoder().decode(bytes);
      if (!cut) bytes = withUsableUsage(call, bytes);
    }
    if (cut && response.ok) throw tooLarge(url, response.status, 'more', limit);
    const headers = new Headers(response.headers);
    // The body handed on is decoded and maybe cut: its original length and encoding no longer apply.
    headers.delete('content-length');
    headers.delete('content-encoding');
    return new Response(bytes, { status: response.status, statusText: response.statusText, headers });
  };
}

/** Keys of token counts in the usage of the providers' replies: `prompt_tokens`, `input_tokens`, `promptTokenCount`... */
const tokenCountKey = /tokens?(_?count)?$/i;

/**
 * The body with every token count of its usage (`usage`, Gemini's `usageMetadata`) that is no
 * count (text, null, negative) set to 0, and their names noted in `call`: the SDK's schema would
 * otherwise refuse the whole reply and its answers with it. The adapter counts such a reply's
 * tokens locally. Any other body is handed on as it came.
 */
function withUsableUsage(call: CallReply, bytes: Uint8Array): Uint8Array {
  let reply: unknown;
  try {
    reply = JSON.parse(call.body ?? '');
  } catch {
    return bytes;
  }
  if (typeof reply !== 'object' || reply === null) return bytes;
  const unusable: string[] = [];
  const visit = (record: Record<string, unknown>, path: string, depth: number) => {
    for (const [key, value] of Object.entries(record)) {
      if (typeof value === 'object' && value !== null && depth < 3) {
        visit(value as Record<string, unknown>, `${path}.${key}`, depth + 1);
      } else if (tokenCountKey.test(key) && !(typeof value === 'number' && value >= 0)) {
        record[key] = 0;
        unusable.push(`${path}.${key}`);
      }
    }
  };
  for (const key of ['usage', 'usageMetadata']) {
    const usage = (reply as Record<string, unknown>)[key];
    if (typeof usage === 'object' && usage !== null) visit(usage as Record<string, unknown>, key, 0);
  }
  if (unusable.length === 0) return bytes;
  call.unusableUsage = unusable;
  return new TextEncoder().encode(JSON.stringify(reply));
}

function tooLarge(url: string, status: number, size: string, limit: number): ApiCallError {
  return new ApiCallError(
    `the reply body from ${url} is larger than the limit of ${limit} bytes (${size}); the call is failed rather than read on (raise the limit with maxReplyBytes if such replies are expected)`,
    { status, url, isRetryable: false },
  );
}

async function readAtMost(
  body: ReadableStream<Uint8Array>,
  limit: number,
): Promise<{ bytes: Uint8Array; cut: boolean }> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { bytes: concat(chunks, total), cut: false };
      if (total + value.byteLength > limit) {
        chunks.push(value.subarray(0, limit - total));
        total = limit;
        await reader.cancel().catch(() => {});
        return { bytes: concat(chunks, total), cut: true };
      }
      chunks.push(value);
      total += value.byteLength;
    }
  } finally {
    reader.releaseLock();
  }
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
