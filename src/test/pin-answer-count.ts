import type { JsonSchema } from '../spec/chat-model.js';

/**
 * The batch schema of `answerJsonSchema` with exactly `count` entries, ids `0 <tag>` ..
 * `<count-1> <tag>` in order (each item's number and the batch code). A random-weight test model follows no instruction, so only the
 * grammar can make it give one answer per item and echo the code; a real model is told both in the
 * prompt.
 */
export function pinAnswerCount(schema: JsonSchema, count: number, tag: string): JsonSchema {
  const properties = schema.properties as Record<string, JsonSchema>;
  const answers = properties.answers as JsonSchema;
  const entry = answers.items as JsonSchema;
  const entryProperties = entry.properties as Record<string, JsonSchema>;
  return {
    ...schema,
    properties: {
      ...properties,
      answers: {
        ...answers,
        minItems: count,
        maxItems: count,
        prefixItems: Array.from({ length: count }, (_, id) => ({
          ...entry,
          // The id as `renderJsonEntryId` writes it (test helpers may not import the prompt layer).
          properties: { ...entryProperties, id: { const: `${id} ${tag}` } },
        })),
      },
    },
  };
}
