import { createHash } from 'node:crypto';
import type { ChatMessage } from '../spec/chat-model.js';
import { canonicalJson } from './canonical-json.js';

/**
 * Bumped whenever what goes into a key changes, so that old entries are missed rather than
 * matched against requests they do not answer.
 */
const keyFormatVersion = 1;

export interface CacheKeyInput {
  /** Model URI, e.g. `openai:gpt-4o-mini`. Never a key or a base URL with credentials. */
  modelId: string;
  /** Everything besides the messages that changes the reply: temperature, seed, response format... */
  settings: Record<string, unknown>;
  messages: readonly ChatMessage[];
}

/**
 * The response-cache key of a request: sha256 (hex) of a canonical JSON of the model id, settings
 * and messages, so that key order in `settings` does not matter and anything else does.
 */
export function cacheKey({ modelId, settings, messages }: CacheKeyInput): string {
  const canonical = canonicalJson({
    version: keyFormatVersion,
    modelId,
    settings,
    // Only role and content: anything else a caller hung on a message object is not sent.
    messages: messages.map((message) => ({ role: message.role, content: message.content })),
  });
  return createHash('sha256').update(canonical).digest('hex');
}
