import { describe, expect, it } from 'vitest';
import { readRenderedBatch } from '../prompt/read-rendered-batch.js';
import type { ChatModel, GenerateRequest } from '../spec/chat-model.js';
import { ApiCallError, InputError, RetryError } from '../spec/errors.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { rejectionOf } from '../test/rejection-of.js';
import { createScriptedModel } from '../test/scripted-model.js';
import { batchPrompt } from './batch-prompt.js';
import type { Item } from './types.js';

/** Items whose question names them, with alternating gold answers. */
function makeItems(count: number): Item[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `item-${index}`,
    fields: { question: `question ${index}`, passage: `passage for question ${index}` },
    gold: index % 2 === 0,
  }));
}

/** The batch of a request, as the model sees it, with each entry's item number. */
function batchOf(request: GenerateRequest) {
  const last = request.messages.at(-1)?.content ?? '';
  return readRenderedBatch(last).map((entry) => ({
    ...entry,
    item: Number(entry.fields.question?.replace('question ', '')),
  }));
}

const goldAnswer = (item: number) => (item % 2 === 0 ? 'yes' : 'no');

/** Four items in one call of one round, asked in lines, with the default two re-asks. */
const fourItemsInOneCall = {
  task: boolqTask,
  items: makeItems(4),
  strategy: 'batch',
  batchSize: 4,
  maxReasks: 2,
  format: 'lines',
} as const;

/** A reply numbered from 1 that leaves the first answer out: none of its answers is usable. */
function misnumberedReply(request: GenerateRequest): string {
  return batchOf(request)
    .map((entry) => `${entry.index + 1} (${entry.tag}): ${goldAnswer(entry.item)} sure`)
    .slice(1)
    .join('\n');
}

describe('batchPrompt with a scripted model', () => {
  it('puts every answer on the right item despite disorder and prose, and re-asks the rest after a skipped index', async () => {
    const model = createScriptedModel({
      reply: (request, callNumber) => {
        const batch = batchOf(request);
        const lines = batch.map(
          (entry) => `Input ${entry.index} (${entry.tag}): ${goldAnswer(entry.item)} (sure)`,
        );
        if (callNumber > 0) return lines.join('\n');
        // First call: skip index 3, reverse the order and wrap it all in chatter.
        const faulty = lines.filter((_, index) => index !== 3).reverse();
        return `Here are the answers you asked for:\n\n${faulty.join('\n')}\n\nLet me know if you need more.`;
      },
    });
    const { results, summary } = await batchPrompt({
      task: boolqTask,
      items: makeItems(8),
      model: model,
      strategy: 'batch',
      batchSize: 8,
      format: 'lines',
    });
    expect(results.map((result) => result.answer)).toEqual(makeItems(8).map((_, index) => goldAnswer(index)));
    expect(results.every((result) => result.status === 'answered')).toBe(true);
    // Items 0-2 came before the gap and keep their answers; the skipped one and those after it,
    // whose numbers may be shifted, are asked again, with the reason.
    expect(model.requests).toHaveLength(2);
    expect(batchOf(model.requests[1]!).map((entry) => entry.item)).toEqual([3, 4, 5, 6, 7]);
    expect(model.requests[1]!.messages.at(-1)?.content).toMatch(/Your last reply skipped an input\./);
    expect(summary.reasks).toBe(1);
    expect(summary.accuracy).toBe(1);
  });

  it('reads a reply numbered 1..N exactly once with the batch code, shifted by one', async () => {
    const model = createScriptedModel({
      reply: (request) =>
        batchOf(request)
          .map((entry) => `${entry.index + 1} (${entry.tag}): ${goldAnswer(entry.item)} sure`)
          .join('\n'),
    });
    const { results } = await batchPrompt({
      task: boolqTask,
      items: makeItems(6),
      model,
      strategy: 'batch',
      batchSize: 6,
      format: 'lines',
    });
    expect(results.map((result) => result.answer)).toEqual(makeItems(6).map((_, index) => goldAnswer(index)));
    expect(model.requests).toHaveLength(1);
  });

  it('re-asks a reply numbered from 1 that it cannot read with a different prompt that names the fault, and ends with every item answered', async () => {
    const model = createScriptedModel({
      reply: (request, callNumber) => {
        const batch = batchOf(request);
        if (callNumber === 0) {
          // Numbered from 1 and one item short: no index is out of range, but 0 is unanswered.
          return batch
            .slice(0, -1)
            .map((entry) => `${entry.index + 1} (${entry.tag}): ${goldAnswer(entry.item)} sure`)
            .join('\n');
        }
        return batch
          .map((entry) => `${entry.index} (${entry.tag}): ${goldAnswer(entry.item)} sure`)
          .join('\n');
      },
    });
    const { results, summary } = await batchPrompt({
      task: boolqTask,
      items: makeItems(6),
      model,
      strategy: 'batch',
      batchSize: 6,
      format: 'lines',
    });
    expect(results.map((result) => result.answer)).toEqual(makeItems(6).map((_, index) => goldAnswer(index)));
    expect(results.every((result) => result.status === 'answered')).toBe(true);
    const [first, ...reasks] = model.requests;
    // A numbering fault is named and the batch asked again whole, not in halves.
    expect(reasks.map((request) => batchOf(request).length)).toEqual([6]);
    for (const reask of reasks) {
      const prompt = reask.messages.at(-1)?.content ?? '';
      expect(prompt).not.toBe(first!.messages.at(-1)?.content);
      expect(prompt).toMatch(/Your last reply numbered the inputs from 1, but they are numbered from 0\./);
      expect(prompt).toContain(`"0 (${batchOf(reask)[0]!.tag}): <label> sure"`);
    }
    expect(summary.reasks).toBe(1);
  });

  it('never sends the same prompt twice to a model that keeps failing, and stops after maxReasks splits', async () => {
    const model = createScriptedModel({
      supportsJsonSchema: true,
      reply: misnumberedReply,
    });
    const { results } = await batchPrompt({ ...fourItemsInOneCall, model });
    expect(results.every((result) => result.status === 'unanswered')).toBe(true);
    // 4 items, again whole once the fault is named, then halves of 2 and of 1: the whole re-ask
    // comes on top of the two re-asks that split, which every item still gets.
    expect(model.requests.map((request) => batchOf(request).length)).toEqual([4, 4, 2, 2, 1, 1, 1, 1]);
    const prompts = model.requests.map((request) => JSON.stringify(request.messages));
    expect(new Set(prompts).size).toBe(prompts.length);
  });

  it('keeps the attempt the whole re-ask added when that re-ask fails outright and is split', async () => {
    let asked = 0;
    const model = createScriptedModel({
      reply: (request) => {
        asked += 1;
        // The whole re-ask after the first reply's numbering fault fails as a timeout does.
        if (asked === 2) return new Error('socket hang up');
        const [first, ...rest] = batchOf(request);
        // Batches of two or more are misnumbered; a single item is answered as asked.
        return rest.length > 0
          ? misnumberedReply(request)
          : `0 (${first!.tag}): ${goldAnswer(first!.item)} sure`;
      },
    });
    const { results } = await batchPrompt({ ...fourItemsInOneCall, model });
    // 4, 4 again whole (failed), halves of 2 (misnumbered), then 1s: the third re-ask is the
    // attempt the whole re-ask added, kept through the failed call's split.
    expect(model.requests.map((request) => batchOf(request).length)).toEqual([4, 4, 2, 2, 1, 1, 1, 1]);
    expect(results.map((result) => result.answer)).toEqual(makeItems(4).map((_, index) => goldAnswer(index)));
  });

  it('asks a single item that got no usable answer in the other format', async () => {
    const model = createScriptedModel({
      supportsJsonSchema: true,
      reply: (request) => {
        const [entry] = batchOf(request);
        if (request.responseFormat?.type === 'json') {
          return JSON.stringify({
            answers: [{ id: 0, code: entry!.tag, answer: goldAnswer(entry!.item), confident: true }],
          });
        }
        return `0: ${goldAnswer(entry!.item)} sure`;
      },
    });
    const { results } = await batchPrompt({
      task: boolqTask,
      items: makeItems(1),
      model,
      strategy: 'batch',
      format: 'lines',
    });
    expect(results[0]?.answer).toBe('yes');
    expect(model.requests.map((request) => request.responseFormat?.type ?? 'text')).toEqual(['text', 'json']);
    expect(model.requests[1]!.messages.at(-1)?.content).toMatch(/Your last reply left out the batch code\./);
  });

  it('records an item as unanswered with the reason once its re-asks are used up', async () => {
    const model = createScriptedModel({
      reply: (request) =>
        batchOf(request)
          .filter((entry) => entry.item !== 3)
          .map((entry) => `Input ${entry.index} (${entry.tag}): ${goldAnswer(entry.item)} (sure)`)
          .join('\n'),
    });
    const { results, summary } = await batchPrompt({
      task: boolqTask,
      items: makeItems(4),
      model,
      strategy: 'batch',
      batchSize: 4,
      maxReasks: 2,
      format: 'lines',
    });
    expect(results[3]?.status).toBe('unanswered');
    expect(results[3]?.answer).toBeNull();
    expect(results[3]?.error).toMatch(/round 1: missing/);
    expect(results.slice(0, 3).every((result) => result.status === 'answered')).toBe(true);
    expect(summary.unanswered).toBe(1);
    expect(summary.accuracy).toBe(0.75);
    // One first ask and two re-asks of item 3 alone.
    expect(model.requests.map((request) => batchOf(request).map((entry) => entry.item))).toEqual([
      [0, 1, 2, 3],
      [3],
      [3],
    ]);
  });

  // The scheduler rethrows an error it did not retry as is, and wraps the attempts of one it did
  // retry in a RetryError: the run stops on the refusal in either shape.
  const refusals = [
    ['a 401', new ApiCallError('scripted: the API answered with status 401: bad key', { status: 401 })],
    ['an input error', new InputError('scripted: no gold answer for this item')],
  ] as const;
  for (const [name, refusal] of refusals) {
    for (const wrapped of [false, true]) {
      it(`stops the run at ${name}${wrapped ? ' after retries' : ''}, without splitting or asking again, and rethrows it`, async () => {
        const thrown = wrapped
          ? new RetryError('gave up', { reason: 'errorNotRetryable', errors: [refusal] })
          : refusal;
        const model = createScriptedModel({
          reply: (request, callNumber) =>
            callNumber === 0
              ? batchOf(request)
                  .map((entry) => `${entry.index} (${entry.tag}): ${goldAnswer(entry.item)} sure`)
                  .join('\n')
              : thrown,
        });
        await expect(
          batchPrompt({
            task: boolqTask,
            items: makeItems(12),
            model,
            strategy: 'bpe',
            rounds: 3,
            batchSize: 4,
            format: 'lines',
          }),
        ).rejects.toBe(refusal);
        // The first batch answered; the second was refused and the third never sent after the
        // refusal was seen (all three start together, so at most those three calls were made).
        expect(model.requests.length).toBeLessThanOrEqual(3);
        expect(model.requests.map((request) => batchOf(request).length)).toEqual(model.requests.map(() => 4));
      });
    }
  }

  it('records failed calls per item with the reason, after splitting the batch', async () => {
    const model = createScriptedModel({ reply: () => new Error('server exploded') });
    const { results, summary } = await batchPrompt({
      task: boolqTask,
      items: makeItems(4),
      model,
      strategy: 'batch',
      batchSize: 4,
      maxReasks: 1,
      format: 'lines',
    });
    expect(results.every((result) => result.status === 'failed')).toBe(true);
    expect(results[0]?.error).toContain('server exploded');
    expect(summary.failed).toBe(4);
    expect(summary.calls).toBe(0);
    expect(summary.failedCalls).toBe(3);
  });

  it('SEAS removes exactly the items confidently answered alike in rounds 1 and 2', async () => {
    // Items 0-3 always confident; item 4 unsure in round 1; item 5 changes its answer.
    const roundOfCall: number[] = [];
    const model = createScriptedModel({
      reply: (request) => {
        const batch = batchOf(request);
        const round = request.messages.length > 0 ? roundOfCall.length + 1 : 0;
        roundOfCall.push(round);
        return batch
          .map((entry) => {
            const answer = entry.item === 5 && round % 2 === 0 ? 'yes' : goldAnswer(entry.item);
            const sure = !(entry.item === 4 && round === 1);
            return `Input ${entry.index} (${entry.tag}): ${answer} (${sure ? 'sure' : 'unsure'})`;
          })
          .join('\n');
      },
    });
    const { results, summary } = await batchPrompt({
      task: boolqTask,
      items: makeItems(6),
      model,
      strategy: 'bpe+seas',
      batchSize: 6,
      rounds: 4,
      format: 'lines',
    });
    expect(summary.rounds.map((round) => [round.round, round.activeItems, round.stopped])).toEqual([
      [1, 6, 0],
      [2, 6, 4],
      [3, 2, 1],
      [4, 1, 0],
    ]);
    expect(results.map((result) => result.rounds)).toEqual([2, 2, 2, 2, 3, 4]);
  });

  it('the summary adds up the calls and tokens the model reported, per round too', async () => {
    const model = createScriptedModel({
      reply: (request) =>
        batchOf(request)
          .map((entry) => `Input ${entry.index} (${entry.tag}): ${goldAnswer(entry.item)} (unsure)`)
          .join('\n'),
    });
    const { summary } = await batchPrompt({
      task: boolqTask,
      items: makeItems(10),
      model,
      strategy: 'bpe',
      batchSize: 4,
      rounds: 3,
      format: 'lines',
    });
    const inputTokens = model.results.reduce((sum, result) => sum + result.usage.inputTokens, 0);
    const outputTokens = model.results.reduce((sum, result) => sum + result.usage.outputTokens, 0);
    expect(summary.calls).toBe(model.results.length);
    expect(summary.calls).toBe(9);
    expect(summary.inputTokens).toBe(inputTokens);
    expect(summary.outputTokens).toBe(outputTokens);
    expect(summary.rounds.reduce((sum, round) => sum + round.inputTokens, 0)).toBe(inputTokens);
  });

  it('round 1 keeps the input order and later rounds follow a reproducible shuffle', async () => {
    const orders = async (seed: number) => {
      const model = createScriptedModel({
        reply: (request) =>
          batchOf(request)
            .map((entry) => `Input ${entry.index} (${entry.tag}): yes (unsure)`)
            .join('\n'),
      });
      await batchPrompt({
        task: boolqTask,
        items: makeItems(12),
        model,
        strategy: 'bpe',
        batchSize: 12,
        rounds: 3,
        seed,
        format: 'lines',
      });
      return model.requests.map((request) => batchOf(request).map((entry) => entry.item));
    };
    const first = await orders(5);
    expect(first[0]).toEqual(Array.from({ length: 12 }, (_, index) => index));
    expect(first[1]).not.toEqual(first[0]);
    expect(await orders(5)).toEqual(first);
    expect(await orders(6)).not.toEqual(first);
  });

  it('with balanced permutation, the items that sat in the middle of round 1 sit at the edges of round 2', async () => {
    const model = createScriptedModel({
      reply: (request) =>
        batchOf(request)
          .map((entry) => `${entry.index} (${entry.tag}): ${goldAnswer(entry.item)} unsure`)
          .join('\n'),
    });
    const { results } = await batchPrompt({
      task: boolqTask,
      items: makeItems(9),
      model,
      strategy: 'bpe',
      batchSize: 9,
      rounds: 2,
      permutation: 'balanced',
      format: 'lines',
    });
    // Item 4 was in the very middle of round 1's batch of 9; it now opens the batch.
    expect(batchOf(model.requests[1]!).map((entry) => entry.item)[0]).toBe(4);
    const middleness = (position: number) => 1 - Math.abs((2 * position) / 8 - 1);
    for (const result of results) {
      const [first, second] = result.votes;
      // Nobody who was near the middle stays near it, and vice versa.
      expect(middleness(first!.position) + middleness(second!.position)).toBeLessThanOrEqual(1.25);
    }
  });

  it('votes record their round, position and batch size', async () => {
    const model = createScriptedModel({
      reply: (request) =>
        batchOf(request)
          .map((entry) => `Input ${entry.index} (${entry.tag}): ${goldAnswer(entry.item)} (sure)`)
          .join('\n'),
    });
    const { results } = await batchPrompt({
      task: boolqTask,
      items: makeItems(5),
      model,
      strategy: 'bpe',
      batchSize: 5,
      rounds: 2,
      format: 'lines',
    });
    const round2Order = batchOf(model.requests[1]!).map((entry) => entry.item);
    expect(round2Order).toHaveLength(5);
    expect(results).toHaveLength(5);
    for (const result of results) {
      expect(result.votes).toHaveLength(2);
      expect(result.votes[0]).toMatchObject({ round: 1, position: result.index, batchSize: 5 });
      expect(result.votes[1]).toMatchObject({ round: 2, position: round2Order.indexOf(result.index) });
    }
  });

  it('streams results in input order across windows', async () => {
    const model = createScriptedModel({
      reply: (request) =>
        batchOf(request)
          .map((entry) => `Input ${entry.index} (${entry.tag}): ${goldAnswer(entry.item)} (sure)`)
          .join('\n'),
    });
    const { results } = await batchPrompt({
      task: boolqTask,
      items: makeItems(23),
      model,
      strategy: 'batch',
      batchSize: 4,
      windowSize: 5,
      format: 'lines',
    });
    expect(results.map((result) => result.index)).toEqual(Array.from({ length: 23 }, (_, index) => index));
    expect(results.map((result) => result.id)).toEqual(makeItems(23).map((item) => item.id));
  });

  it('uses the JSON format with a schema for a local model that supports it', async () => {
    const model = createScriptedModel({
      id: 'local:model.gguf',
      supportsJsonSchema: true,
      reply: (request) =>
        JSON.stringify({
          answers: batchOf(request).map((entry) => ({
            id: entry.index,
            code: entry.tag,
            answer: goldAnswer(entry.item),
            confident: true,
          })),
        }),
    });
    const { results } = await batchPrompt({ task: boolqTask, items: makeItems(3), model, strategy: 'batch' });
    expect(model.requests[0]?.responseFormat?.type).toBe('json');
    expect(results.map((result) => result.answer)).toEqual(['yes', 'no', 'yes']);
  });

  it('stops on abort with an AbortError', async () => {
    const controller = new AbortController();
    const model = createScriptedModel({
      reply: (request) => {
        controller.abort();
        return batchOf(request)
          .map((entry) => `Input ${entry.index} (${entry.tag}): yes (sure)`)
          .join('\n');
      },
    });
    await expect(
      batchPrompt({
        task: boolqTask,
        items: makeItems(8),
        model,
        strategy: 'bpe',
        batchSize: 2,
        rounds: 3,
        format: 'lines',
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(model.requests.length).toBeLessThan(12);
  });

  it("ends a run stopped while its calls are in flight with an AbortError whose cause is the signal's reason", async () => {
    const controller = new AbortController();
    const reason = new Error('the user stopped the run');
    const model: ChatModel = {
      id: 'fake:waits',
      simulated: true,
      supportsJsonSchema: false,
      generate: (request) => {
        setImmediate(() => controller.abort(reason));
        return new Promise((_resolve, reject) => {
          request.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), {
            once: true,
          });
        });
      },
    };
    const error = await rejectionOf(
      batchPrompt({ task: boolqTask, items: makeItems(4), model, batchSize: 2, signal: controller.signal }),
    );
    expect(error).toMatchObject({ name: 'AbortError', message: 'The run was aborted' });
    expect(error.cause).toBe(reason);
  });

  it('rejects absurd options with a message naming the option', async () => {
    const model = createScriptedModel({ reply: () => '' });
    await expect(batchPrompt({ task: boolqTask, items: [], model, batchSize: 0 })).rejects.toThrow(
      'Expected `batchSize` to be an integer >= 1, got `0`',
    );
    await expect(batchPrompt({ task: boolqTask, items: [], model, rounds: -1 })).rejects.toThrow('`rounds`');
  });
});
