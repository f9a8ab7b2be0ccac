import { describe, expect, it } from 'vitest';
import { answerJsonSchema } from '../prompt/render-batch.js';
import { InputError } from '../spec/errors.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { toGrammarJsonSchema } from './local-model-schema.js';

describe('toGrammarJsonSchema', () => {
  it('keeps the shape of the batch answer schema and drops `required`, which the grammar implies', () => {
    const converted = toGrammarJsonSchema(answerJsonSchema(boolqTask));
    expect(JSON.stringify(converted)).not.toContain('required');
    expect(converted).toMatchObject({
      type: 'object',
      additionalProperties: false,
      properties: {
        answers: {
          type: 'array',
          items: {
            properties: {
              id: { type: 'string' },
              answer: { enum: ['yes sure', 'yes unsure', 'no sure', 'no unsure'] },
            },
          },
        },
      },
    });
  });

  it('turns anyOf into oneOf, nested too', () => {
    const converted = toGrammarJsonSchema({
      type: 'array',
      items: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    });
    expect(converted).toEqual({ type: 'array', items: { oneOf: [{ type: 'string' }, { type: 'null' }] } });
  });

  it('rejects a keyword the grammar cannot enforce, naming it and where it is', () => {
    let caught: unknown;
    try {
      toGrammarJsonSchema({ type: 'object', properties: { n: { type: 'integer', minimum: 0 } } });
    } catch (error) {
      caught = error;
    }
    expect(InputError.isInstance(caught)).toBe(true);
    expect((caught as Error).message).toContain('`minimum` at `$.properties.n`');
  });
});
