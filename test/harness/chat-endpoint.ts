import {
  type LoopbackServer,
  type RecordedRequest,
  sendJson,
  startLoopbackServer,
} from '../../src/test/loopback-server.js';

export interface ChatEndpoint extends LoopbackServer {
  /** The chat requests (POST) received so far, in order. */
  chatCalls(): RecordedRequest[];
}

/**
 * A model endpoint on 127.0.0.1 that is not batchprompt's simulator: the GET with which `run`
 * asks whether it is gets 404, and each chat request gets the status and JSON body `answer`
 * returns for it, told how many chat requests came before.
 */
export async function startChatEndpoint(
  answer: (request: RecordedRequest, callsBefore: number) => { status: number; body: unknown },
): Promise<ChatEndpoint> {
  const chatCalls = () => server.requests.filter((request) => request.method === 'POST');
  const server: LoopbackServer = await startLoopbackServer((request, response) => {
    if (request.method !== 'POST') return sendJson(response, 404, { error: { message: 'not found' } });
    const { status, body } = answer(request, chatCalls().length - 1);
    sendJson(response, status, body);
  });
  return Object.assign(server, { chatCalls });
}

/** A 500 reply in OpenAI's error shape. */
export const upstreamFailure = {
  status: 500,
  body: { error: { message: 'upstream failed', type: 'server_error' } },
} as const;
