import { type RenderedEntry, readRenderedBatch } from '../prompt/read-rendered-batch.js';
import { renderAnswerLine } from '../prompt/render-batch.js';
import type { GenerateRequest } from '../spec/chat-model.js';
import type { RecordedRequest } from './loopback-server.js';

/**
 * The batch a chat request asks about, read from its last message as a model reads it: each
 * entry's index, batch code and fields. Takes a model's request or one a loopback server recorded.
 */
export function batchOfRequest(request: GenerateRequest | RecordedRequest): RenderedEntry[] {
  const messages =
    'messages' in request ? request.messages : (request.body as { messages: { content: string }[] }).messages;
  return readRenderedBatch(messages.at(-1)?.content ?? '');
}

/**
 * A reply that answers the request's batch item by item, one line per entry in the layout the
 * prompt asks for (`3 (k9q4): yes sure`); an entry whose answer is `undefined` is left unanswered.
 */
export function answerEachItem(
  request: GenerateRequest | RecordedRequest,
  answer: (entry: RenderedEntry) => { answer: string | number; sure: boolean } | undefined,
): string {
  return batchOfRequest(request)
    .flatMap((entry) => {
      const given = answer(entry);
      return given === undefined ? [] : [renderAnswerLine(entry.index, entry.tag, given.answer, given.sure)];
    })
    .join('\n');
}
