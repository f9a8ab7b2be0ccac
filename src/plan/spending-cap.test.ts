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

  it('lets the requests in flight when the budget is reached finish and counts them before it stops the run', async () => {
    const stops: SpendingCapState[] = [];
    const cap = createSpendingCap({ budgetUsd: 1.5, price, onExceeded: (state) => stops.push(state) });
    const pending: (() => void)[] = [];
    const model = cap.wrap({
      id: 'test:slow',
      simulated: false,
      supportsJsonSchema: false,
      generate: () =>
        new Promise((resolve) =>
          pending.push(() =>
            resolve({ text: 'ok', finishReason: 'stop', usage: { inputTokens: 600, outputTokens: 100 } }),
          ),
        ),
    });
    // About $1 at worst each (its output allowance): the first is let through, the second could pass $1.50.
    const sent = model.generate(request);
    let refusedSettled = false;
    const refused = rejectionOf(model.generate(request)).then((error) => {
      refusedSettled = true;
      return error;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(pending).toHaveLength(1);
    // The run is not stopped while a paid request is out: stopping would throw its reply away.
    expect(stops).toHaveLength(0);
    expect(refusedSettled).toBe(false);
    pending[0]!();
    expect((await sent).text).toBe('ok');
    expect((await refused).name).toBe('AbortError');
    // Counted at its real usage, $0.70, before the run is told to stop.
    expect(stops).toMatchObject([{ budgetUsd: 1.5, calls: 1, refused: { inFlight: 1 } }]);
    expect(stops[0]!.spentUsd).toBeCloseTo(0.7, 10);
    // Every later call is refused at once, and the run is told only once.
    expect((await rejectionOf(model.generate(request))).name).toBe('AbortError');
    expect(stops).toHaveLength(1);
  });

  it('tells at once when asked not to wait (a batch API collects its jobs on resume)', async () => {
    const stops: SpendingCapState[] = [];
    const cap = createSpendingCap({
      budgetUsd: 1.5,
      price,
      onExceeded: (state) => stops.push(state),
      waitForCallsInFlight: false,
    });
    const model = cap.wrap({
      id: 'test:never',
      simulated: false,
      supportsJsonSchema: false,
      generate: () => new Promise(() => {}),
    });
    void model.generate(request);
    expect((await rejectionOf(model.generate(request))).name).toBe('AbortError');
    expect(stops).toMatchObject([{ calls: 0, refused: { inFlight: 1 } }]);
  });

  it('stops waiting for the requests in flight when the run is aborted', async () => {
    const stops: SpendingCapState[] = [];
    const cap = createSpendingCap({ budgetUsd: 1.5, price, onExceeded: (state) => stops.push(state) });
    const model = cap.wrap({
      id: 'test:never',
      simulated: false,
      supportsJsonSchema: false,
      generate: () => new Promise(() => {}),
    });
    const controller = new AbortController();
    void model.generate({ ...request, signal: controller.signal });
    const refused = rejectionOf(model.generate({ ...request, signal: controller.signal }));
    controller.abort();
    expect((await refused).name).toBe('AbortError');
    expect(stops).toHaveLength(1);
  });
});
