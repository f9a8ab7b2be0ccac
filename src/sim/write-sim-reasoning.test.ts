import { describe, expect, it } from 'vitest';
import { parseReply } from '../parse/parse-reply.js';
import { renderBatch } from '../prompt/render-batch.js';
import { countTokens } from '../spec/count-tokens.js';
import { defineTask } from '../task/define-task.js';
import { createSimModel } from './create-sim-model.js';
import { writeSimReasoning } from './write-sim-reasoning.js';

/** Invented word problems: the simulator needs distinct texts, figures and gold numbers. */
const problems = Array.from({ length: 64 }, (_, index) => ({
  id: `problem-${index}`,
  fields: {
    question: `A crate holds ${index + 3} jars and each jar holds ${(index % 5) + 2} plums. Sam buys ${(index % 4) + 1} crates. How many plums does Sam buy?`,
  },
  gold: (index + 3) * ((index % 5) + 2) * ((index % 4) + 1),
}));
const words = defineTask({
  name: 'word-problems',
  instruction: 'Solve each problem.',
  fields: ['question'],
  answer: { type: 'number', integer: true },
  reasoning: true,
});
const plain = defineTask({ ...words, reasoning: false });

describe('writeSimReasoning', () => {
  it('names the figures of the problem, what is asked, and ends in the answer it is given', () => {
    const text = writeSimReasoning({ fields: problems[4]!.fields, answer: 41, drawKey: ['k'] });
    expect(text).toContain('How many plums does Sam buy?');
    for (const figure of ['7', '6', '1']) expect(text).toMatch(new RegExp(`\\b${figure}\\b`));
    expect(text.trim().endsWith('So the answer is 41.')).toBe(true);
    expect(writeSimReasoning({ fields: problems[4]!.fields, answer: 41, drawKey: ['k'] })).toBe(text);
  });

  it('grows with the figures of the problem', () => {
    const short = writeSimReasoning({ fields: { question: 'What is 2 and 3?' }, answer: 5, drawKey: [] });
    const long = writeSimReasoning({
      fields: { question: 'Ann has 2, Bo 3, Cy 4, Di 5, Ed 6 and Flo 7 shells. How many in all?' },
      answer: 27,
      drawKey: [],
    });
    expect(countTokens(long)).toBeGreaterThan(countTokens(short) + 40);
  });
});

describe('the simulator on a reasoning task', () => {
  it('writes a solution block per item that the parser reads back, in both formats', async () => {
    const model = createSimModel({ task: words, items: problems, seed: 2 });
    for (const format of ['lines', 'json'] as const) {
      const rendered = renderBatch(words, problems.slice(0, 16), { format, tag: 'q7w2' });
      const reply = await model.generate({
        messages: rendered.messages,
        responseFormat: rendered.responseFormat,
      });
      const parsed = parseReply(words, reply.text, {
        format,
        expectedCount: 16,
        tag: 'q7w2',
        reasoning: true,
      });
      expect(parsed.answers.filter(Boolean).length).toBeGreaterThanOrEqual(15);
      expect(parsed.reasoning?.get(0)).toMatch(/So the answer is -?\d+\./);
      if (format === 'lines') expect(reply.text).toMatch(/^Reasoning 0 \(q7w2\): The question asks/m);
      else expect(Object.keys(JSON.parse(reply.text).answers[0])).toEqual(['id', 'reasoning', 'answer']);
    }
  });

  it('costs several times the output tokens of bare answers', async () => {
    const reasoning = createSimModel({ task: words, items: problems });
    const bare = createSimModel({ task: plain, items: problems });
    const ask = async (model: typeof bare, task: typeof words) => {
      const rendered = renderBatch(task, problems.slice(0, 32), { format: 'lines', tag: 'q7w2' });
      return (await model.generate({ messages: rendered.messages })).usage.outputTokens;
    };
    const withSolutions = await ask(reasoning, words);
    const without = await ask(bare, plain);
    expect(withSolutions).toBeGreaterThan(4 * without);
    expect(withSolutions / 32).toBeGreaterThan(40);
  });

  it('writes the wrong number, and a solution leading to it, when it errs', async () => {
    const model = createSimModel({ task: words, items: problems, seed: 5 });
    let wrong = 0;
    for (let start = 0; start < 64; start += 32) {
      const batch = problems.slice(start, start + 32);
      const rendered = renderBatch(words, batch, { format: 'lines', tag: 'q7w2' });
      const reply = await model.generate({ messages: rendered.messages });
      const parsed = parseReply(words, reply.text, {
        format: 'lines',
        expectedCount: 32,
        tag: 'q7w2',
        reasoning: true,
      });
      parsed.answers.forEach((answer, index) => {
        if (answer === undefined || answer.answer === batch[index]!.gold) return;
        wrong += 1;
        expect(typeof answer.answer).toBe('number');
        expect(parsed.reasoning?.get(index)).toContain(`So the answer is ${answer.answer}.`);
      });
    }
    // The mean task row errs on a few percent of 64 answers at batch 32: at least one.
    expect(wrong).toBeGreaterThan(0);
  });
});
