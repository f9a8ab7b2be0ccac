import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';
import type { ChatMessage } from './chat-model.js';

/**
 * Options that read special-token text such as `<|endoftext|>` as ordinary characters: user data
 * may contain it, and a provider bills it as text. The tokenizer's default throws on it.
 */
export const asPlainText = { disallowedSpecial: new Set<string>() };

/** Tokens of a text under the o200k_base encoding (the GPT-4o family's tokenizer). */
export function countTokens(text: string): number {
  return text.length === 0 ? 0 : countO200k(text, asPlainText);
}

/**
 * Chat framing costs a few tokens beyond the message texts: about three per message plus three
 * that prime the reply, as OpenAI's chat format counts them.
 */
const tokensPerMessage = 3;
const tokensPerReplyPrimer = 3;

/** Prompt tokens of a chat request, counted as an OpenAI chat model would bill them. */
export function countMessageTokens(messages: readonly ChatMessage[]): number {
  let total = tokensPerReplyPrimer;
  for (const message of messages) total += tokensPerMessage + countTokens(message.content);
  return total;
}
