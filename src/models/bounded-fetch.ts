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
 * The reply-body limit of the call in progress, set by the adapter around each call from its
 * output cap, and read by `boundedFetch` deep inside the provider SDK's request.
 */
export const replyBodyLimit = new AsyncLocalStorage<number>();

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
    const response = await inner(input, init);
    if (response.body === null) return response;
    const limit = response.ok ? (replyBodyLimit.getStore() ?? defaultReplyBytes) : maxErrorBytes;
    const url = redactSecrets(
      typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
    );
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (response.ok && declared > limit) {
      await response.body.cancel().catch(() => {});
      throw tooLarge(url, response.status, `${declared} bytes declared`, limit);
    }
    const { bytes, cut } = await readAtMost(response.body, limit);
    if (cut && response.ok) throw tooLarge(url, response.status, 'more', limit);
    const headers = new Headers(response.headers);
    // The body handed on is decoded and maybe cut: its original length and encoding no longer apply.
    headers.delete('content-length');
    headers.delete('content-encoding');
    return new Response(bytes, { status: response.status, statusText: response.statusText, headers });
  };
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
