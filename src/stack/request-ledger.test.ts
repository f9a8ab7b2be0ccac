import { describe, expect, it } from 'vitest';
import { scheduleModel } from '../runtime/schedule-model.js';
import { createScheduler } from '../runtime/scheduler.js';
import type { ChatModel, GenerateResult } from '../spec/chat-model.js';
import { countMessageTokens } from '../spec/count-tokens.js';
import { AbortError, ApiCallError, BreakerError } from '../spec/errors.js';
import { rejectionOf } from '../test/rejection-of.js';
import { createRequestLedger, failureKind, nextStreak } from './request-ledger.js';

const request = { messages: [{ role: 'user' as const, content: 'Input 0 (abcd): is it so?' }] };
const reply: GenerateResult = {
  text: '0 (abcd): yes',
  usage: { inputTokens: 20, outputTokens: 4 },
  finishReason: 'stop',
};

/** A model that answers or throws as `outcomes` say, one entry per call, counting the calls. */
function scriptedModel(outcomes: (GenerateResult | Error)[]): ChatModel & { calls: () => number } {
  let calls = 0;
  return {
    id: 'test:scripted',
    simulated: false,
    supportsJsonSchema: false,
    calls: () => calls,
    async generate() {
      const outcome = outcomes[calls] ?? outcomes.at(-1)!;
      calls += 1;
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
  };
}

const status = (code: number) => new ApiCallError(`the API answered with status ${code}`, { status: code });
const unusable = () =>
  new ApiCallError('the reply could not be read', {
    status: 200,
    isRetryable: true,
    billedUsage: { inputTokens: 20, outputTokens: 9, estimated: true },
  });

describe('failureKind', () => {
  it('sorts failures into refusals, server errors, unusable replies and no reply; a 429 into none', () => {
    expect(failureKind(status(400))).toBe('refused');
    expect(failureKind(status(422))).toBe('refused');
    expect(failureKind(status(500))).toBe('server-error');
    expect(failureKind(status(503))).toBe('server-error');
    expect(failureKind(unusable())).toBe('unusable-reply');
    expect(failureKind(status(408))).toBe('no-reply');
    expect(failureKind(new ApiCallError('timed out', { isRetryable: true }))).toBe('no-reply');
    expect(failureKind(status(429))).toBeUndefined();
  });
});

describe('nextStreak', () => {
  it('grows with failures of one kind, starts anew with another, ends with an answer, ignores a 429', () => {
    let streak = nextStreak({ kind: undefined, length: 0 }, 'refused');
    streak = nextStreak(streak, 'refused');
    expect(streak).toEqual({ kind: 'refused', length: 2 });
    expect(nextStreak(streak, undefined)).toEqual(streak);
    expect(nextStreak(streak, 'server-error')).toEqual({ kind: 'server-error', length: 1 });
    expect(nextStreak(streak, 'answered')).toEqual({ kind: undefined, length: 0 });
  });
});

describe('createRequestLedger', () => {
  it('counts every request by outcome, the billed failures with their tokens', async () => {
    const ledger = createRequestLedger();
    const model = ledger.wrap(
      scriptedModel([
        reply,
        unusable(),
        status(500),
        { ...reply, usage: { inputTokens: 20, outputTokens: 4, estimated: true } },
      ]),
    );
    await model.generate(request);
    await rejectionOf(model.generate(request));
    await rejectionOf(model.generate(request));
    await model.generate(request);
    expect(ledger.tally()).toEqual({
      sent: 4,
      answered: 2,
      failed: 2,
      billedFailed: 1,
      abandoned: 0,
      inputTokens: 40,
      outputTokens: 8,
      failedInputTokens: 20,
      failedOutputTokens: 9,
      countedLocally: 2,
      failures: { refused: 0, 'server-error': 1, 'unusable-reply': 1, 'no-reply': 0 },
    });
  });

  it('does not count what was never sent: an abort, or an address where nothing listens', async () => {
    const ledger = createRequestLedger();
    const refusedLocally = new ApiCallError('connection refused', { isFatal: true });
    const model = ledger.wrap(scriptedModel([new AbortError(), refusedLocally]));
    await rejectionOf(model.generate(request));
    await rejectionOf(model.generate(request));
    expect(ledger.tally().sent).toBe(0);
  });

  it('counts an attempt the scheduler timed out as a request without a reply, and the caller giving up as none', async () => {
    const ledger = createRequestLedger({ breakAfter: 2 });
    // A server that never answers: the adapter ends the request as fetch does, on the abort.
    const hanging: ChatModel = {
      id: 'test:hanging',
      simulated: false,
      supportsJsonSchema: false,
      generate: ({ signal }) =>
        new Promise((_, reject) =>
          signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
        ),
    };
    const model = scheduleModel(ledger.wrap(hanging), createScheduler({ timeoutMs: 20, maxRetries: 0 }));
    const timedOut = await rejectionOf(model.generate(request));
    expect(timedOut.message).toContain('timed out after 20 ms');
    expect(ledger.tally()).toMatchObject({ sent: 1, failed: 1, billedFailed: 0 });
    expect(ledger.tally().failures['no-reply']).toBe(1);

    // Given up before it was sent (while it waited for its turn), and once it was out.
    const caller = new AbortController();
    const givenUp = model.generate({ ...request, signal: caller.signal });
    caller.abort(new Error('interrupted'));
    expect((await rejectionOf(givenUp)).name).toBe('AbortError');
    const later = new AbortController();
    const givenUpLater = model.generate({ ...request, signal: later.signal });
    await new Promise((resolve) => setTimeout(resolve, 1));
    later.abort(new Error('interrupted'));
    expect((await rejectionOf(givenUpLater)).name).toBe('AbortError');
    expect(ledger.tally().sent).toBe(1);

    // Timeouts in a row break the run as any failure of one kind does: the call after the second
    // is not sent.
    await rejectionOf(model.generate(request));
    expect(ledger.tally().failures['no-reply']).toBe(2);
    expect(await rejectionOf(model.generate(request))).toBeInstanceOf(BreakerError);
    expect(ledger.tally().sent).toBe(2);
  });

  it('counts a request abandoned after it was sent at the abort, billed for its prompt, and one given up before it left as none', async () => {
    const ledger = createRequestLedger();
    // An adapter that sends once `send` is called (after a wait of its own, as a prompt-cache
    // warm-up does), then never hears back; it ends on the abort, as fetch does.
    let send: () => void = () => {};
    const adapter: ChatModel = {
      id: 'test:adapter',
      simulated: false,
      supportsJsonSchema: false,
      generate: ({ signal, onSent }) =>
        new Promise((_, reject) => {
          send = () => onSent?.();
          signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
    };
    const model = ledger.wrap(adapter);
    const waiting = new AbortController();
    const neverSent = model.generate({ ...request, signal: waiting.signal });
    waiting.abort(new Error('the run stopped'));
    expect((await rejectionOf(neverSent)).name).toBe('AbortError');
    expect(ledger.tally().sent).toBe(0);

    const run = new AbortController();
    const underWay = model.generate({ ...request, signal: run.signal });
    send();
    run.abort(new Error('the run stopped'));
    // Counted as the abort spreads, before the request's own error arrives.
    expect(ledger.tally()).toMatchObject({
      sent: 1,
      answered: 0,
      failed: 1,
      billedFailed: 1,
      abandoned: 1,
      failedInputTokens: countMessageTokens(request.messages),
      failedOutputTokens: 0,
      countedLocally: 1,
    });
    expect(ledger.tally().failures['no-reply']).toBe(1);
    expect((await rejectionOf(underWay)).name).toBe('AbortError');
    expect(ledger.tally().sent).toBe(1);
  });

  it('stops the run once the last N requests failed the same way, and sends nothing after', async () => {
    const ledger = createRequestLedger({ breakAfter: 3 });
    const inner = scriptedModel([status(400), status(500), status(400), status(400), status(400)]);
    const model = ledger.wrap(inner);
    for (let call = 0; call < 4; call++) {
      const error = await rejectionOf(model.generate(request));
      expect(BreakerError.isInstance(error)).toBe(false);
    }
    // 500 broke the first run of 400s: only the three after it trip the breaker.
    const tripped = await rejectionOf(model.generate(request));
    expect(BreakerError.isInstance(tripped)).toBe(true);
    expect((tripped as BreakerError).isFatal).toBe(true);
    expect(tripped.message).toMatch(
      /after 5 requests \(0 answered\): the last 3 requests .*refused with a 4xx status/,
    );
    const after = await rejectionOf(model.generate(request));
    expect(after).toBe(tripped);
    expect(inner.calls()).toBe(5);
  });

  it('keeps the billed tokens of the request that tripped the breaker, for the spending cap', async () => {
    const ledger = createRequestLedger({ breakAfter: 2 });
    const model = ledger.wrap(scriptedModel([unusable()]));
    await rejectionOf(model.generate(request));
    const tripped = await rejectionOf(model.generate(request));
    expect(BreakerError.isInstance(tripped)).toBe(true);
    expect((tripped as BreakerError).billedUsage).toEqual({
      inputTokens: 20,
      outputTokens: 9,
      estimated: true,
    });
  });

  it('stops the run once the last N replies held no answer the caller could use, the last billed, and counts a cut-off reply in neither way', async () => {
    const ledger = createRequestLedger({ breakAfter: 3 });
    const garbled: GenerateResult = { ...reply, text: 'I cannot help with that.' };
    const cutOff: GenerateResult = { ...garbled, finishReason: 'length' };
    const inner = scriptedModel([garbled, garbled, reply, garbled, cutOff, garbled, garbled, reply]);
    const model = ledger.wrap(inner);
    const asked = { ...request, usable: (result: GenerateResult) => result.text.startsWith('0 (abcd)') };
    // Two without an answer, then one with: the row starts again. A reply cut off neither ends it
    // nor adds to it (the engine asks its items again in halves).
    for (let call = 0; call < 6; call++) await model.generate(asked);
    const tripped = await rejectionOf(model.generate(asked));
    expect(BreakerError.isInstance(tripped)).toBe(true);
    expect(tripped.message).toMatch(
      /after 7 requests \(6 answered\): the last 3 requests all got a success status with a reply that held no answer .*no answer in the reply \(it began "I cannot help with that\."\)/,
    );
    expect((tripped as BreakerError).billedUsage).toEqual(garbled.usage);
    expect(ledger.tally()).toMatchObject({ sent: 7, answered: 6, failed: 1, billedFailed: 1 });
    // Every later call gets the breaker's error without being sent.
    expect((await rejectionOf(model.generate(asked))).message).toBe(tripped.message);
    expect(inner.calls()).toBe(7);
    // Without the question, a reply is an answer whatever it holds.
    const unasked = createRequestLedger({ breakAfter: 1 }).wrap(scriptedModel([garbled]));
    await expect(unasked.generate(request)).resolves.toBe(garbled);
  });

  it('an answer between failures keeps the run going', async () => {
    const ledger = createRequestLedger({ breakAfter: 2 });
    const model = ledger.wrap(scriptedModel([status(400), reply, status(400), reply]));
    await rejectionOf(model.generate(request));
    await model.generate(request);
    const error = await rejectionOf(model.generate(request));
    expect(BreakerError.isInstance(error)).toBe(false);
    await model.generate(request);
  });
});
