import { describe, expect, it } from 'vitest';
import type { ChatModel } from '../spec/chat-model.js';
import { countMessageTokens } from '../spec/count-tokens.js';
import { ApiCallError } from '../spec/errors.js';
import { rejectionOf } from '../test/rejection-of.js';
import { costUsd } from './price-table.js';
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

  it('counts prompt-cache reads and writes at their own rates, and reserves a write of the whole prompt', async () => {
    const cached = { ...price, cachedInput: 100, cacheWrite: 2000 };
    const stops: SpendingCapState[] = [];
    const cap = createSpendingCap({ budgetUsd: 10, price: cached, onExceeded: (state) => stops.push(state) });
    const reply = (usage: {
      inputTokens: number;
      outputTokens: number;
      cachedInputTokens?: number;
      cacheWriteTokens?: number;
    }) =>
      cap.wrap({
        id: 'test:cached',
        simulated: false,
        supportsJsonSchema: false,
        generate: () => Promise.resolve({ text: '0 (abcd): yes sure', finishReason: 'stop', usage }),
      });
    // 1,000 input tokens: 600 written ($1.20), 400 uncached ($0.40), 100 output ($0.10).
    await reply({ inputTokens: 1000, outputTokens: 100, cacheWriteTokens: 600 }).generate(request);
    expect(cap.state().spentUsd).toBeCloseTo(1.7, 10);
    // 1,000 input tokens: 900 read ($0.09), 100 uncached ($0.10), 100 output ($0.10).
    await reply({ inputTokens: 1000, outputTokens: 100, cachedInputTokens: 900 }).generate(request);
    expect(cap.state().spentUsd).toBeCloseTo(1.99, 10);
    // A prompt of about 4,000 tokens fits the budget at the input rate ($4) but not if it is all
    // written to the cache ($8), which is the worst case the cap reserves.
    const long = {
      messages: [{ role: 'user' as const, content: 'is it so? '.repeat(1000) }],
      maxOutputTokens: 10,
    };
    const promptTokens = countMessageTokens(long.messages);
    expect(promptTokens).toBeGreaterThan(4000);
    expect(promptTokens).toBeLessThan(4100);
    const refused = await rejectionOf(reply({ inputTokens: 1, outputTokens: 1 }).generate(long));
    expect(refused.name).toBe('AbortError');
    expect(stops).toHaveLength(1);
    expect(stops[0]!.refused!.wouldReachUsd).toBeCloseTo(1.99 + (2000 * promptTokens + 1000 * 10) / 1e6, 10);
  });

  it('lets through a call whose worst case reaches the budget exactly, and none after a refusal, even one that fits', async () => {
    let sent = 0;
    const answering: ChatModel = {
      id: 'test:answering',
      simulated: false,
      supportsJsonSchema: false,
      generate: () => {
        sent += 1;
        return Promise.resolve({
          text: 'ok',
          finishReason: 'stop',
          usage: { inputTokens: 0, outputTokens: 0 },
        });
      },
    };
    const worstCase = costUsd(price, countMessageTokens(request.messages), request.maxOutputTokens)!;
    const exact = createSpendingCap({ budgetUsd: worstCase, price, onExceeded: () => {} });
    expect((await exact.wrap(answering).generate(request)).text).toBe('ok');
    // A call of twice the output allowance is refused at $1.50; the one after, about $1, would fit.
    const capped = createSpendingCap({ budgetUsd: 1.5, price, onExceeded: () => {} });
    const model = capped.wrap(answering);
    expect((await rejectionOf(model.generate({ ...request, maxOutputTokens: 2000 }))).name).toBe(
      'AbortError',
    );
    expect((await rejectionOf(model.generate(request))).name).toBe('AbortError');
    expect(sent).toBe(1);
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

  it('says, when it does not wait, how many of the calls in flight at the refusal never left for the provider', async () => {
    const stops: SpendingCapState[] = [];
    const cap = createSpendingCap({
      budgetUsd: 2.5,
      price,
      onExceeded: (state) => stops.push(state),
      waitForCallsInFlight: false,
    });
    // A batch API: the first call's job went to the provider, the second is still gathered.
    let calls = 0;
    const model = cap.wrap({
      id: 'test:batch',
      simulated: false,
      supportsJsonSchema: false,
      generate: (sent) => {
        calls += 1;
        if (calls === 1) sent.onSent?.();
        return new Promise(() => {});
      },
    });
    void model.generate(request);
    void model.generate(request);
    expect((await rejectionOf(model.generate(request))).name).toBe('AbortError');
    expect(stops).toMatchObject([{ calls: 0, refused: { inFlight: 2, unsubmitted: 1 } }]);
    expect(cap.state().refused).toMatchObject({ inFlight: 2, unsubmitted: 1 });
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
