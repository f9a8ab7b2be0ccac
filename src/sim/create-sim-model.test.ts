import { describe, expect, it } from 'vitest';
import { parseReply } from '../parse/parse-reply.js';
import { renderBatch } from '../prompt/render-batch.js';
import { countMessageTokens, countTokens } from '../spec/count-tokens.js';
import { InputError } from '../spec/errors.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { createSimModel } from './create-sim-model.js';

/** Invented items: the simulator only needs distinct texts and gold answers. */
const items = Array.from({ length: 400 }, (_, index) => ({
  id: `item-${index}`,
  fields: {
    question: `is statement number ${index} about the harbour true`,
    passage: `Harbour -- Note ${index}: the harbour ${index % 2 === 0 ? 'does' : 'does not'} open in winter.`,
  },
  gold: index % 2 === 0,
}));

function render(batch: typeof items, format: 'lines' | 'json', tag = 'k7q2') {
  return renderBatch(boolqTask, batch, { format, tag });
}

describe('createSimModel', () => {
  it('describes itself as simulated and accepts JSON schemas', () => {
    const model = createSimModel({ task: boolqTask, items });
    expect(model.id).toBe('sim:gpt-4');
    expect(model.simulated).toBe(true);
    expect(model.supportsJsonSchema).toBe(true);
    expect(createSimModel({ task: boolqTask, items, profile: 'gpt-3.5' }).id).toBe('sim:gpt-3.5');
  });

  it('rejects an unknown profile, naming the valid ones', () => {
    expect(() => createSimModel({ task: boolqTask, items, profile: 'gpt-5' as 'gpt-4' })).toThrow(InputError);
    expect(() => createSimModel({ task: boolqTask, items, profile: 'gpt-5' as 'gpt-4' })).toThrow(
      /gpt-4, gpt-3\.5/,
    );
  });

  it('gives the same reply to the same request, from a fresh model too', async () => {
    const rendered = render(items.slice(0, 32), 'lines');
    const request = { messages: rendered.messages, responseFormat: rendered.responseFormat };
    const first = await createSimModel({ task: boolqTask, items, seed: 3 }).generate(request);
    const again = await createSimModel({ task: boolqTask, items, seed: 3 }).generate(request);
    expect(again).toEqual(first);
    const otherSeeds = await Promise.all(
      [4, 5, 6, 7].map((seed) => createSimModel({ task: boolqTask, items, seed }).generate(request)),
    );
    expect(otherSeeds.some((reply) => reply.text !== first.text)).toBe(true);
  });

  it('answers every item of a line-format batch, echoing the batch code, with real usage', async () => {
    const model = createSimModel({ task: boolqTask, items });
    const rendered = render(items.slice(0, 8), 'lines', 'zz42');
    const reply = await model.generate({
      messages: rendered.messages,
      responseFormat: rendered.responseFormat,
    });
    const parsed = parseReply(boolqTask, reply.text, { format: 'lines', expectedCount: 8, tag: 'zz42' });
    expect(parsed.answers.filter(Boolean)).toHaveLength(8);
    expect(reply.text).toMatch(/^0 \(zz42\): (yes|no) (sure|unsure)$/m);
    expect(reply.usage).toEqual({
      inputTokens: countMessageTokens(rendered.messages),
      outputTokens: countTokens(reply.text),
    });
    expect(reply.finishReason).toBe('stop');
  });

  it('answers in JSON when asked for JSON', async () => {
    const model = createSimModel({ task: boolqTask, items });
    const rendered = render(items.slice(0, 5), 'json');
    const reply = await model.generate({
      messages: rendered.messages,
      responseFormat: rendered.responseFormat,
    });
    const body = JSON.parse(reply.text) as { answers: { id: string; answer: string }[] };
    // The entry shape the prompt asks for: the number and the batch code, the answer and its confidence.
    const tag = rendered.tag;
    expect(body.answers.map((entry) => entry.id)).toEqual([0, 1, 2, 3, 4].map((index) => `${index} ${tag}`));
    for (const entry of body.answers) expect(entry.answer).toMatch(/^(?:yes|no) (?:sure|unsure)$/);
  });

  it('is mostly right alone and worse in a batch of 64, worst in the middle', async () => {
    const model = createSimModel({ task: boolqTask, items });
    let singleCorrect = 0;
    for (const item of items.slice(0, 200)) {
      const rendered = render([item], 'json', `s${item.id.slice(5)}`);
      const reply = await model.generate({
        messages: rendered.messages,
        responseFormat: rendered.responseFormat,
      });
      const parsed = parseReply(boolqTask, reply.text, { format: 'json', expectedCount: 1 });
      if (parsed.answers[0]?.answer === (item.gold ? 'yes' : 'no')) singleCorrect += 1;
    }
    expect(singleCorrect / 200).toBeGreaterThan(0.85);

    // The same 64 items in 40 orders: wrong answers per position third.
    const wrongByThird = [0, 0, 0];
    const batch = items.slice(0, 64);
    for (let order = 0; order < 40; order += 1) {
      const shuffled = batch.map((item, index) => ({ item, key: (index * 7919 + order * 104729) % 65521 }));
      shuffled.sort((left, right) => left.key - right.key);
      const rendered = render(
        shuffled.map((entry) => entry.item),
        'json',
        `o${order}`,
      );
      const reply = await model.generate({
        messages: rendered.messages,
        responseFormat: rendered.responseFormat,
      });
      const parsed = parseReply(boolqTask, reply.text, { format: 'json', expectedCount: 64 });
      shuffled.forEach((entry, position) => {
        const answer = parsed.answers[position];
        if (answer && answer.answer !== (entry.item.gold ? 'yes' : 'no')) {
          wrongByThird[Math.min(2, Math.floor((position * 3) / 64))]! += 1;
        }
      });
    }
    const [start = 0, middle = 0, end = 0] = wrongByThird;
    expect(middle).toBeGreaterThan(start);
    expect(middle).toBeGreaterThan(end);
    expect((start + middle + end) / (40 * 64)).toBeGreaterThan(1 - singleCorrect / 200);
  });

  it('makes more formatting faults in larger batches', async () => {
    const model = createSimModel({ task: boolqTask, items });
    const problemsAt = async (batchSize: number) => {
      let problems = 0;
      for (let request = 0; request < 60; request += 1) {
        const start = (request * 5) % (items.length - batchSize);
        const rendered = render(items.slice(start, start + batchSize), 'lines', `f${request}`);
        const reply = await model.generate({
          messages: rendered.messages,
          responseFormat: rendered.responseFormat,
        });
        const parsed = parseReply(boolqTask, reply.text, {
          format: 'lines',
          expectedCount: batchSize,
          tag: `f${request}`,
        });
        if (parsed.problems.length > 0 || parsed.outOfRange.length > 0) problems += 1;
      }
      return problems;
    };
    // At 2 items a request has a 2.3% chance of chatter and well under 1% of any other fault, so
    // 60 requests show a few problems at most; at 100 items about half of them have one.
    const small = await problemsAt(2);
    const large = await problemsAt(100);
    expect(small).toBeLessThanOrEqual(5);
    expect(large).toBeGreaterThan(small + 10);
  });

  it('cuts the reply at maxOutputTokens and says so', async () => {
    const model = createSimModel({ task: boolqTask, items });
    const rendered = render(items.slice(0, 16), 'lines');
    const reply = await model.generate({
      messages: rendered.messages,
      responseFormat: rendered.responseFormat,
      maxOutputTokens: 20,
    });
    expect(reply.finishReason).toBe('length');
    expect(reply.usage.outputTokens).toBeLessThanOrEqual(20);
    expect(reply.text.length).toBeGreaterThan(0);
  });

  it('gives an unknown item a fixed guess', async () => {
    const model = createSimModel({ task: boolqTask, items });
    const stranger = { fields: { question: 'is this item unknown', passage: 'Nobody -- listed it.' } };
    const answers = await Promise.all(
      ['aa11', 'bb22', 'cc33'].map(async (tag) => {
        const rendered = render([stranger as (typeof items)[number]], 'json', tag);
        const reply = await model.generate({
          messages: rendered.messages,
          responseFormat: rendered.responseFormat,
        });
        return parseReply(boolqTask, reply.text, { format: 'json', expectedCount: 1 }).answers[0]?.answer;
      }),
    );
    expect(['yes', 'no']).toContain(answers[0]);
    expect(new Set(answers).size).toBe(1);
  });

  it('refuses an unknown item instead of guessing when told to, naming its place in the batch', async () => {
    const model = createSimModel({ task: boolqTask, items, unknownItems: 'refuse' });
    const stranger = { fields: { question: 'is this item unknown', passage: 'Nobody -- listed it.' } };
    const known = items[0]!;
    const rendered = render([known, stranger as (typeof items)[number]], 'json', 'aa11');
    await expect(
      model.generate({ messages: rendered.messages, responseFormat: rendered.responseFormat }),
    ).rejects.toThrow(/no gold answer for input 1 of the batch \(an item not in its data\)/);
    // The items it knows it still answers.
    const alone = render([known], 'json', 'aa11');
    const reply = await model.generate({ messages: alone.messages, responseFormat: alone.responseFormat });
    expect(parseReply(boolqTask, reply.text, { format: 'json', expectedCount: 1 }).answers[0]).toBeDefined();
  });

  it('replies in words to a message without a batch, and honours an aborted signal', async () => {
    const model = createSimModel({ task: boolqTask, items });
    const reply = await model.generate({ messages: [{ role: 'user', content: 'hello' }] });
    expect(reply.text).toMatch(/could not find any inputs/);
    const controller = new AbortController();
    controller.abort();
    await expect(
      model.generate({ messages: [{ role: 'user', content: 'hello' }], signal: controller.signal }),
    ).rejects.toThrow(/abort/i);
  });
});
