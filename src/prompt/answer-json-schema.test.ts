import { describe, expect, it } from 'vitest';
import { parseReply } from '../parse/parse-reply.js';
import type { JsonSchema } from '../spec/chat-model.js';
import { boolqTask, rteTask } from '../task/builtin-tasks.js';
import { defineTask } from '../task/define-task.js';
import { answerJsonSchema, renderBatch } from './render-batch.js';

/*
 * The reply schema is sent to every provider that takes one. It keeps to the keywords they all
 * take: OpenAI's strict mode (every property required, no others, no tuples), Anthropic's
 * structured outputs (no size or pattern keywords, `minItems` only 0 or 1), the AI SDK's Google
 * conversion (which drops what it does not know, `prefixItems` included) and a local model's
 * grammar.
 */
const portableKeywords = new Set(['type', 'properties', 'required', 'additionalProperties', 'items', 'enum']);

/** Every keyword used anywhere in the schema, and each object's properties and required list. */
function walk(schema: JsonSchema, path: string, visit: (schema: JsonSchema, path: string) => void): void {
  visit(schema, path);
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  for (const [name, property] of Object.entries(properties)) walk(property, `${path}.${name}`, visit);
  if (typeof schema.items === 'object' && schema.items !== null)
    walk(schema.items as JsonSchema, `${path}[]`, visit);
}

const numberTask = defineTask({
  name: 'sums',
  instruction: 'Add.',
  fields: ['question'],
  answer: { type: 'number', integer: true },
  reasoning: true,
});

describe('answerJsonSchema', () => {
  for (const task of [rteTask, boolqTask, numberTask]) {
    it(`keeps to the keywords every provider takes (${task.name})`, () => {
      walk(answerJsonSchema(task), '$', (schema, path) => {
        for (const keyword of Object.keys(schema))
          expect({ path, keyword, portable: portableKeywords.has(keyword) }).toEqual({
            path,
            keyword,
            portable: true,
          });
        if (schema.type === 'object') {
          expect({ path, additionalProperties: schema.additionalProperties }).toEqual({
            path,
            additionalProperties: false,
          });
          expect(schema.required).toEqual(Object.keys(schema.properties as object));
        }
      });
    });
  }

  it('lists each label with each confidence word, and puts the worked solution before the answer', () => {
    const entry = (task: typeof rteTask) =>
      ((answerJsonSchema(task).properties as Record<string, JsonSchema>).answers!.items as JsonSchema)
        .properties as Record<string, JsonSchema>;
    expect(entry(rteTask).answer).toEqual({
      type: 'string',
      enum: ['entailment sure', 'entailment unsure', 'not_entailment sure', 'not_entailment unsure'],
    });
    expect(Object.keys(entry(numberTask))).toEqual(['id', 'reasoning', 'answer']);
  });
});

describe('the JSON format in the prompt', () => {
  it('shows entries that carry the batch code, in the worked example, the format text and a re-ask', () => {
    const item = { fields: { premise: 'p', hypothesis: 'h' } };
    const rendered = renderBatch(rteTask, [item, item], { format: 'json', tag: 'k9q4', reaskReason: 'x' });
    const [system, , example, batch] = rendered.messages.map((message) => message.content);
    expect(system).toContain('{"id":"<k> <code>","answer":"<label> sure"}');
    expect(example).toMatch(/^\{"answers":\[\{"id":"0 ex","answer":"(?:not_)?entailment (?:un)?sure"\}/);
    expect(batch).toContain('{"id":"0 k9q4","answer":"<label> sure"}');
    // The example is read back as the example's own batch, never as this one.
    const asExample = parseReply(rteTask, example!, { format: 'json', expectedCount: 2, tag: 'ex' });
    expect(asExample.problems).toEqual([]);
    const asThisBatch = parseReply(rteTask, example!, { format: 'json', expectedCount: 2, tag: 'k9q4' });
    expect(asThisBatch.answers).toEqual([undefined, undefined]);
  });
});
