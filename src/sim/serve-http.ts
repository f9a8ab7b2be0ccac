import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A request that a route of the simulator's server refused. The route family that threw it turns
 * it into its own API's error shape (OpenAI's `{ error }`, Anthropic's `{ type: 'error' }`), so
 * that each SDK raises its own error class with the message.
 */
export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
  ) {
    super(message);
  }
}

/** OpenAI's error body. */
export function openAiErrorBody(message: string, type: string, code?: string) {
  return { error: { message, type, param: null, code: code ?? null } };
}

const maxBodyBytes = 32 * 1024 * 1024;

/**
 * The request body as text; a body over 32 MB is refused with a 413 once it has been read to its
 * end, its bytes past the limit dropped as they come: answered before its end, the connection
 * would not be kept, and one destroyed under a client still sending fails it with a closed socket
 * instead of the 413.
 */
export function readRequestBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBodyBytes) chunks.push(chunk);
      else chunks = [];
    });
    request.on('end', () => {
      if (size > maxBodyBytes)
        reject(new SimHttpError(413, `request body larger than ${maxBodyBytes} bytes`, 'request_too_large'));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}

/** Writes a whole reply: a text as it is, anything else as JSON. */
export function sendReply(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  contentType = 'application/json',
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/** A JSON body's value as an object, or undefined when it is anything else. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    return asRecord(JSON.parse(text));
  } catch {
    return undefined;
  }
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
