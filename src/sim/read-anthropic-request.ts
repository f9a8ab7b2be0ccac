import type { ChatMessage, GenerateRequest, ResponseFormat } from '../spec/chat-model.js';
import { contentText, optionalPositiveInteger } from './read-openai-chat-request.js';
import { asRecord, SimHttpError } from './serve-http.js';
import type { CacheBreakpoint } from './sim-prompt-cache.js';

const fiveMinutesMs = 5 * 60 * 1000;
const oneHourMs = 60 * 60 * 1000;

/** The TTL of a content's `cache_control` mark, or undefined where none of its blocks has one. */
function markOf(content: unknown, where: string): number | undefined {
  if (!Array.isArray(content)) return undefined;
  let ttlMs: number | undefined;
  content.forEach((block, index) => {
    const control = asRecord(asRecord(block)?.cache_control);
    if (control === undefined) return;
    if (control.type !== 'ephemeral') {
      throw new SimHttpError(400, `${where}.${index}.cache_control.type: Input should be 'ephemeral'`);
    }
    if (control.ttl !== undefined && control.ttl !== '5m' && control.ttl !== '1h') {
      throw new SimHttpError(400, `${where}.${index}.cache_control.ttl: Input should be '5m' or '1h'`);
    }
    ttlMs = control.ttl === '1h' ? oneHourMs : fiveMinutesMs;
  });
  return ttlMs;
}

/**
 * Anthropic Messages params as the simulated model's request (`system` becomes the first message),
 * with the `cache_control` marks it carries, for the online route and for a Message Batch entry.
 */
export function readAnthropicRequest(
  params: Record<string, unknown>,
  where: string,
): { request: GenerateRequest; breakpoints: CacheBreakpoint[] } {
  if (typeof params.model !== 'string') throw new SimHttpError(400, `${where}.model: Field required`);
  const maxTokens = optionalPositiveInteger(params.max_tokens, `${where}.max_tokens`);
  if (maxTokens === undefined) throw new SimHttpError(400, `${where}.max_tokens: Field required`);
  if (!Array.isArray(params.messages) || params.messages.length === 0) {
    throw new SimHttpError(400, `${where}.messages: at least one message is required`);
  }
  const messages: ChatMessage[] = [];
  const breakpoints: CacheBreakpoint[] = [];
  const markAt = (ttlMs: number | undefined) => {
    if (ttlMs !== undefined) breakpoints.push({ message: messages.length - 1, ttlMs });
  };
  if (params.system !== undefined) {
    messages.push({ role: 'system', content: contentText(params.system, `${where}.system`, 'blocks') });
    markAt(markOf(params.system, `${where}.system`));
  }
  params.messages.forEach((entry, index) => {
    const record = asRecord(entry) ?? {};
    if (record.role !== 'user' && record.role !== 'assistant') {
      throw new SimHttpError(400, `${where}.messages.${index}.role: Input should be 'user' or 'assistant'`);
    }
    messages.push({
      role: record.role,
      content: contentText(record.content, `${where}.messages.${index}`, 'blocks'),
    });
    markAt(markOf(record.content, `${where}.messages.${index}.content`));
  });
  if (breakpoints.length > 4) {
    throw new SimHttpError(400, `${where}: a request may hold at most 4 blocks with cache_control`);
  }
  const format = asRecord(asRecord(params.output_config)?.format);
  const responseFormat: ResponseFormat =
    format?.type === 'json_schema'
      ? { type: 'json', schema: asRecord(format.schema) ?? {}, name: 'response' }
      : { type: 'text' };
  return {
    request: {
      messages,
      responseFormat,
      maxOutputTokens: maxTokens,
      ...(typeof params.temperature === 'number' ? { temperature: params.temperature } : {}),
    },
    breakpoints,
  };
}
