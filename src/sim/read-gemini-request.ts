import type { ChatMessage, GenerateRequest, GenerateResult, ResponseFormat } from '../spec/chat-model.js';
import { optionalPositiveInteger } from './read-openai-chat-request.js';
import { asRecord, SimHttpError } from './serve-http.js';

/** The text of a Gemini `Content`: its text parts joined (thought parts and other kinds add nothing). */
function partsText(content: unknown, where: string): string {
  const parts = asRecord(content)?.parts;
  if (!Array.isArray(parts)) throw new SimHttpError(400, `${where}.parts must be an array of parts`);
  return parts
    .map((part) => {
      const record = asRecord(part);
      return typeof record?.text === 'string' && record.thought !== true ? record.text : '';
    })
    .join('');
}

function responseFormatOf(config: Record<string, unknown>): ResponseFormat {
  if (config.responseMimeType !== 'application/json') return { type: 'text' };
  const schema = asRecord(config.responseJsonSchema) ?? asRecord(config.responseSchema) ?? {};
  return { type: 'json', schema, name: 'response' };
}

/**
 * A Gemini `GenerateContentRequest` (a line of a batch input file, or the body of
 * `:generateContent`) as the simulated model's request: `systemInstruction` becomes a system
 * message, a `model` turn an assistant one. `where` prefixes the field names in error messages.
 */
export function readGeminiRequest(body: Record<string, unknown>, where: string): GenerateRequest {
  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0) {
    throw new SimHttpError(400, `${where}.contents must be a non-empty array`);
  }
  const messages: ChatMessage[] = [];
  if (body.systemInstruction !== undefined) {
    messages.push({
      role: 'system',
      content: partsText(body.systemInstruction, `${where}.systemInstruction`),
    });
  }
  contents.forEach((entry, index) => {
    const role = asRecord(entry)?.role ?? 'user';
    if (role !== 'user' && role !== 'model') {
      throw new SimHttpError(400, `${where}.contents[${index}].role must be user or model`);
    }
    messages.push({
      role: role === 'model' ? 'assistant' : 'user',
      content: partsText(entry, `${where}.contents[${index}]`),
    });
  });
  const config = asRecord(body.generationConfig) ?? {};
  const maxOutputTokens = optionalPositiveInteger(
    config.maxOutputTokens,
    `${where}.generationConfig.maxOutputTokens`,
  );
  return {
    messages,
    responseFormat: responseFormatOf(config),
    ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
    ...(typeof config.temperature === 'number' ? { temperature: config.temperature } : {}),
    ...(typeof config.seed === 'number' ? { seed: config.seed } : {}),
  };
}

/** Gemini's `GenerateContentResponse` for a simulated reply, with its `usageMetadata`. */
export function geminiResponseBody(result: GenerateResult, modelVersion: string, serviceTier?: string) {
  return {
    candidates: [
      {
        content: { role: 'model', parts: [{ text: result.text }] },
        finishReason: result.finishReason === 'length' ? 'MAX_TOKENS' : 'STOP',
        index: 0,
      },
    ],
    usageMetadata: {
      promptTokenCount: result.usage.inputTokens,
      candidatesTokenCount: result.usage.outputTokens,
      totalTokenCount: result.usage.inputTokens + result.usage.outputTokens,
      ...(serviceTier === undefined ? {} : { serviceTier }),
    },
    modelVersion,
  };
}
