import { describe, expect, it } from 'vitest';
import type { ChatModel } from '../spec/chat-model.js';
import { ApiCallError } from '../spec/errors.js';
import { rejectionOf } from '../test/rejection-of.js';
import { createSpendingCap, type SpendingCapState } from './spending-cap.js';

const request = {
  messages: [{ role: 'user' as const, content: 'Input 0 (abcd): is it so?' }],
  maxOutputTokens: 1000,
};

/** Dollars per million tokens that make the arithmetic plain: $1 per 1,000 input or output tokens. */
const price = { input: 1000, output: 1000 };

function failingModel(error: Error): ChatModel {
  return {
    id: 'test:failing',
    simulated: false,
    supportsJsonSchema: false,
    generate: () => Promise.reject(error),
  };
}

describe('createSpendingCap', () => {
  it('counts a failed request whose body was billed, and stops the calls once the budget is spent', async () => {
    const stops: SpendingCapState[] = [];
    const cap = createSpendingCap({ budgetUsd: 2.5, price, onExceeded: (state) => stops.push(state) });
    const billed = new ApiCallError('the reply could not be read', {
      status: 200,
      billedUsage: { inputTokens: 600, outputTokens: 400, estimated: true },
    });
    const model = cap.wrap(failingModel(billed));
    // $1 a request, and $1 more at worst (its output allowance): after two the third could pass $2.50.
    expect(await rejectionOf(model.generate(request))).toBe(billed);
    expect(await rejectionOf(model.generate(request))).toBe(billed);
    expect(cap.state()).toMatchObject({ calls: 2, spentUsd: 2 });
    const refused = await rejectionOf(model.generate(request));
    expect(refused.name).toBe('AbortError');
    expect(stops).toHaveLength(1);
  });

  it('counts nothing for a failure that was not billed (an error status)', async () => {
    const cap = createSpendingCap({ budgetUsd: 2.5, price, onExceeded: () => {} });
    const model = cap.wrap(failingModel(new ApiCallError('status 500', { status: 500 })));
    await rejectionOf(model.generate(request));
    expect(cap.state()).toMatchObject({ calls: 0, spentUsd: 0 });
  });
});
