import type { ChatMessage, GenerateRequest, ResponseFormat } from '../spec/chat-model.js';
import { asRecord, SimHttpError } from './serve-http.js';

/**
 * Text of a message content: a string, or an array of text parts (OpenAI) or blocks (Anthropic);
 * other parts (images, tool results) add nothing, since the simulator reads text alone.
 */
export function contentText(content: unknown, where: string, parts: 'parts' | 'blocks' = 'parts'): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((block) => {
        const part = asRecord(block);
        return part?.type === 'text' && typeof part.text === 'string' ? part.text : '';
      })
      .join('');
  }
  if (content === null || content === undefined) return '';
  throw new SimHttpError(400, `${where}.content must be a string or an array of text ${parts}`);
}

/** An optional integer field that must be at least 1 where present. */
export function optionalPositiveInteger(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new SimHttpError(400, `\`${name}\` must be an integer >= 1`);
  }
  return value;
}

function openAiMessages(value: unknown, field: (name: string) => string): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new SimHttpError(400, `${field('messages')} must be a non-empty array`);
  }
  return value.map((entry, index) => {
    const record = asRecord(entry) ?? {};
    // OpenAI's newer clients send `developer` where older ones send `system`.
    const role = record.role === 'developer' ? 'system' : record.role;
    if (role !== 'system' && role !== 'user' && role !== 'assistant') {
      throw new SimHttpError(
        400,
        `${field(`messages[${index}]`)}.role must be system, developer, user or assistant`,
      );
    }
    return { role, content: contentText(record.content, field(`messages[${index}]`)) };
  });
}

function openAiResponseFormat(value: unknown): ResponseFormat {
  const format = asRecord(value);
  if (format?.type === 'json_schema') {
    const jsonSchema = asRecord(format.json_schema) ?? {};
    return {
      type: 'json',
      schema: asRecord(jsonSchema.schema) ?? {},
      name: typeof jsonSchema.name === 'string' ? jsonSchema.name : 'response',
    };
  }
  if (format?.type === 'json_object') return { type: 'json', schema: {}, name: 'json_object' };
  return { type: 'text' };
}

/**
 * An OpenAI chat completions body as the simulated model's request, whether it came to
 * `/v1/chat/completions` or as a line of a batch file. `where` prefixes the field names in error
 * messages (`body` for a batch line: `body.messages must be...`).
 */
export function readOpenAiChatRequest(body: Record<string, unknown>, where?: string): GenerateRequest {
  const field = (name: string) => (where === undefined ? name : `${where}.${name}`);
  const maxOutputTokens =
    optionalPositiveInteger(body.max_completion_tokens, field('max_completion_tokens')) ??
    optionalPositiveInteger(body.max_tokens, field('max_tokens'));
  return {
    messages: openAiMessages(body.messages, field),
    responseFormat: openAiResponseFormat(body.response_format),
    ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
    ...(typeof body.temperature === 'number' ? { temperature: body.temperature } : {}),
    ...(typeof body.seed === 'number' ? { seed: body.seed } : {}),
  };
}
