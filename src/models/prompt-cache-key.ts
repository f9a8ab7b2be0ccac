import { createHash } from 'node:crypto';
import type { ChatMessage } from '../spec/chat-model.js';

const digestOf = (messages: readonly ChatMessage[]) => {
  const hash = createHash('sha256');
  for (const message of messages) hash.update(`${message.role}\n${message.content}\u0000`);
  return hash.digest('hex');
};

/**
 * The `prompt_cache_key` of a request: a digest of its first message, the system message that
 * names the task, its labels and the reply format. Every call of a run shares it (round 1 with its
 * examples, later rounds without, re-asks), so OpenAI routes them to the machines that hold the
 * prefix they share; two tasks never share one. Undefined for a request of one message, which
 * has no prefix to share.
 */
export function promptCacheKey(messages: readonly ChatMessage[]): string | undefined {
  const [first] = messages;
  if (first === undefined || messages.length < 2) return undefined;
  return `batchprompt-${digestOf([first]).slice(0, 24)}`;
}

/**
 * A digest of the longest prefix a request shares with other calls of its run: its messages up to
 * the last one marked `endsSharedPrefix`. Undefined where no message is marked.
 */
export function sharedPrefixDigest(messages: readonly ChatMessage[]): string | undefined {
  const end = messages.findLastIndex((message) => message.endsSharedPrefix === true);
  return end < 0 ? undefined : digestOf(messages.slice(0, end + 1));
}
