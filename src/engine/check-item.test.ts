import { describe, expect, it } from 'vitest';
import { InputError } from '../spec/errors.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { echoModel } from '../test/echo-model.js';
import { rejectionOf } from '../test/rejection-of.js';
import { batchPrompt } from './batch-prompt.js';
import type { Item } from './types.js';

function makeItems(count: number): Item[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `item-${index}`,
    fields: { question: `question ${index}`, passage: `passage ${index}` },
  }));
}

describe('items given to batchPrompt', () => {
  it('refuses a missing field before any call, naming the item, the field and the fields the task reads', async () => {
    const model = echoModel();
    const items = makeItems(10);
    items[9] = { id: 'item-9', fields: { question: 'question 9' } };
    const error = await rejectionOf(
      batchPrompt({ task: boolqTask, items, model, batchSize: 4, strategy: 'batch' }),
    );
    expect(InputError.isInstance(error)).toBe(true);
    expect((error as InputError).field).toBe('items[9].fields.passage');
    expect(error.message).toContain('(item `item-9`) to be a string, got nothing (the value is missing)');
    expect(error.message).toContain('task `boolq` reads `question`, `passage`');
    expect(model.requests).toHaveLength(0);
  });

  it('refuses a number in a field with an InputError, not a TypeError of the prompt renderer', async () => {
    const items = [{ id: 'n', fields: { question: 42, passage: 'p' } }] as unknown as Item[];
    const error = await rejectionOf(batchPrompt({ task: boolqTask, items, model: echoModel() }));
    expect(error.name).toBe('InputError');
    expect(error.message).toContain(
      '`items[0].fields.question` (item `n`) to be a string, got the number 42',
    );
  });

  it('refuses an item of an async iterable without an id, or without fields, as it is read', async () => {
    async function* withoutId() {
      yield* makeItems(2);
      yield { fields: { question: 'q', passage: 'p' } } as unknown as Item;
    }
    const missingId = await rejectionOf(
      batchPrompt({ task: boolqTask, items: withoutId(), model: echoModel() }),
    );
    expect((missingId as InputError).field).toBe('items[2].id');
    const noFields = [{ id: 'bare' }] as unknown as Item[];
    const missingFields = await rejectionOf(
      batchPrompt({ task: boolqTask, items: noFields, model: echoModel() }),
    );
    expect(missingFields.message).toContain('`items[0].fields` (item `bare`) to be an object, got nothing');
  });
});
