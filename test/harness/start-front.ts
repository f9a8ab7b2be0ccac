import { type RecordedRequest, startLoopbackServer } from '../../src/test/loopback-server.js';

/** A reply as a front sends it on: status and body (always JSON). */
export interface FrontReply {
  status: number;
  body: string;
}

/** Decides each request's reply: answers it, waits, or forwards it and returns or rewrites the reply. */
export type FrontHandler = (
  request: RecordedRequest,
  forward: () => Promise<FrontReply>,
) => FrontReply | Promise<FrontReply>;

export interface Front {
  /** `http://127.0.0.1:<port>/v1`, the base URL to give the command line. */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A server on 127.0.0.1 in front of an OpenAI-compatible one (the simulator's): what a proxy or a
 * misbehaving endpoint does to requests and replies, in one handler. By default it forwards.
 */
export async function startFront(
  targetUrl: string,
  handle: FrontHandler = (_request, forward) => forward(),
): Promise<Front> {
  const server = await startLoopbackServer(async (request, response) => {
    const forward = async (): Promise<FrontReply> => {
      const body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
      const reply = await fetch(`${targetUrl}${request.path.replace(/^\/v1/, '')}`, {
        method: request.method,
        headers: { 'content-type': 'application/json' },
        ...(request.method === 'POST' ? { body } : {}),
      });
      return { status: reply.status, body: await reply.text() };
    };
    const reply = await handle(request, forward);
    response.writeHead(reply.status, { 'content-type': 'application/json' });
    response.end(reply.body);
  });
  return { url: `${server.origin}/v1`, requests: server.requests, close: server.close };
}
