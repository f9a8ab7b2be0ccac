import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  renderAnswerLine,
  renderJsonAnswerEntry,
  renderReasoningBlock,
  renderReasoningHeader,
} from '../prompt/render-batch.js';
import { defineTask } from '../task/define-task.js';
import { isolateFinalAnswers } from './isolate-final-answers.js';
import { parseReply } from './parse-reply.js';

const task = defineTask({
  name: 'word-problems',
  instruction: 'Solve each problem.',
  fields: ['question'],
  answer: { type: 'number', integer: true },
  reasoning: true,
});
const tag = 'k9q4';

function answersOf(
  text: string,
  expectedCount: number,
  options: { format?: 'lines' | 'json'; truncated?: boolean } = {},
) {
  return parseReply(task, text, {
    format: options.format ?? 'lines',
    expectedCount,
    tag,
    reasoning: true,
    truncated: options.truncated ?? false,
  });
}

describe('parseReply on reasoning replies (lines)', () => {
  it('reads each block’s closing answer line and keeps its solution', () => {
    const reply = [
      renderReasoningBlock(0, tag, 'She has 16 eggs, uses 3 + 4 = 7, sells 9 at $2: 9 * 2 = 18.', 18, true),
      renderReasoningBlock(1, tag, 'Half of 2 is 1; 2 + 1 = 3.', 3, false),
    ].join('\n\n');
    const parsed = answersOf(reply, 2);
    expect(parsed.answers).toEqual([
      { answer: 18, confident: true },
      { answer: 3, confident: false },
    ]);
    expect(parsed.reasoning?.get(0)).toContain('9 * 2 = 18');
  });

  it('never reads numbers or answer-like lines inside a solution as answers', () => {
    // Solution lines that the plain parser would read as answers for items 16, 2 and 3.
    const reply = [
      `${renderReasoningHeader(0, tag)} Start from the eggs.`,
      '16 - 3 = 13',
      '2) then 13 - 4 = 9',
      `Input 3 (${tag}): 12`,
      `3 (${tag}): 12 sure`,
      renderAnswerLine(0, tag, 18, true),
      '',
      renderReasoningBlock(1, tag, 'Input 0 said 18, but this one is 2 + 1 = 3.', 3, true),
      '',
      `${renderReasoningHeader(2, tag)} The numbers are 5, 7 and 12; as Input 3 (${tag}): 12 shows,`,
      `3 (${tag}): 99 sure`,
    ].join('\n');
    const parsed = answersOf(reply, 4);
    expect(parsed.answers[0]).toEqual({ answer: 18, confident: true });
    expect(parsed.answers[1]).toEqual({ answer: 3, confident: true });
    // Block 2 never closed with its own answer line; the lines naming input 3 belong to nobody.
    expect(parsed.answers[2]).toBeUndefined();
    expect(parsed.answers[3]).toBeUndefined();
  });

  it('gives nothing to a block that ends mid-sentence, and reads the blocks before it', () => {
    const reply = [
      renderReasoningBlock(0, tag, 'Twice 6 is 12.', 12, true),
      `${renderReasoningHeader(1, tag)} First 4 * 3 = 12, and then the remaining 8 are split so that`,
    ].join('\n\n');
    const parsed = answersOf(reply, 2);
    expect(parsed.answers).toEqual([{ answer: 12, confident: true }, undefined]);
    expect(parsed.problems).toEqual([expect.objectContaining({ index: 1, kind: 'missing' })]);
  });

  it('drops the last block of a cut-off reply unless its answer line visibly ended', () => {
    const blocks = [renderReasoningBlock(0, tag, '5 + 7 = 12.', 12, true)];
    // `125 sure` cut after `12`: read, it would be a wrong answer for item 1.
    const cutInNumber = `${blocks.join('\n\n')}\n\n${renderReasoningHeader(1, tag)} 100 + 25 = 125.\n1 (${tag}): 12`;
    expect(answersOf(cutInNumber, 2, { truncated: true }).answers).toEqual([
      { answer: 12, confident: true },
      undefined,
    ]);
    const cutAfterLine = `${blocks.join('\n\n')}\n\n${renderReasoningBlock(1, tag, '100 + 25 = 125.', 125, false)}`;
    expect(answersOf(cutAfterLine, 2, { truncated: true }).answers[1]).toEqual({
      answer: 125,
      confident: false,
    });
  });

  it('ignores blocks and answer lines with another batch code', () => {
    const reply = [
      renderReasoningBlock(
        0,
        tag,
        `A quoted header ${renderReasoningHeader(1, 'zz11')} changes nothing.`,
        7,
        true,
      ),
      renderReasoningBlock(1, 'zz11', 'Forged.', 1, true),
    ].join('\n\n');
    expect(answersOf(reply, 2).answers).toEqual([{ answer: 7, confident: true }, undefined]);
  });

  it('reads bare answer lines when the model skipped every solution, but not when prose is around them', () => {
    const bare = [renderAnswerLine(0, tag, 4, true), renderAnswerLine(1, tag, 9, true)].join('\n');
    expect(answersOf(bare, 2).answers).toEqual([
      { answer: 4, confident: true },
      { answer: 9, confident: true },
    ]);
    const withProse = `Item 1 has 3 + 6 = 9 apples.\n${bare}`;
    expect(answersOf(withProse, 2).answers).toEqual([undefined, undefined]);
  });

  it('reports conflicting blocks for one index instead of picking one', () => {
    const reply = [
      renderReasoningBlock(0, tag, 'a', 4, true),
      renderReasoningBlock(0, tag, 'b', 5, true),
    ].join('\n\n');
    const parsed = answersOf(reply, 1);
    expect(parsed.answers).toEqual([undefined]);
    expect(parsed.problems[0]?.kind).toBe('conflicting');
  });
});

describe('parseReply on reasoning replies (JSON)', () => {
  it('reads the answer of each entry, never the numbers or JSON inside its reasoning', () => {
    const reply = JSON.stringify({
      answers: [
        {
          id: 0,
          code: tag,
          reasoning: `Input 1 has 40; {"id": 1, "code": "${tag}", "answer": 40, "confident": true} is not mine. 6 * 3 = 18.`,
          answer: 18,
          confident: true,
        },
        { id: 1, code: tag, reasoning: '2 + 1 = 3', answer: 3, confident: true },
      ],
    });
    const parsed = answersOf(reply, 2, { format: 'json' });
    expect(parsed.answers).toEqual([
      { answer: 18, confident: true },
      { answer: 3, confident: true },
    ]);
    expect(parsed.reasoning?.get(1)).toBe('2 + 1 = 3');
  });

  it('keeps the whole entries of a reply cut off inside a reasoning string', () => {
    const whole = JSON.stringify({ id: 0, code: tag, reasoning: '5 + 7 = 12', answer: 12, confident: true });
    const reply = `{"answers": [${whole}, {"id": 1, "code": "${tag}", "reasoning": "Input 2 (${tag}): 40 and {\\"id\\": 2, \\"code\\": \\"${tag}\\", \\"answer\\": 40}, so`;
    const parsed = answersOf(reply, 3, { format: 'json', truncated: true });
    expect(parsed.answers).toEqual([{ answer: 12, confident: true }, undefined, undefined]);
  });
});

describe('parseReply on reasoning replies (JSON entries with the code in the id)', () => {
  it('reads each entry and keeps the solution of this batch’s entries only', () => {
    const reply = JSON.stringify({
      answers: [
        renderJsonAnswerEntry(0, 'zz11', 99, true, 'another batch: 99'),
        renderJsonAnswerEntry(
          0,
          tag,
          18,
          true,
          `{"id": "1 ${tag}", "answer": "40 sure"} is quoted; 6 * 3 = 18`,
        ),
        renderJsonAnswerEntry(1, tag, 3, false, '2 + 1 = 3'),
      ],
    });
    const parsed = answersOf(reply, 2, { format: 'json' });
    expect(parsed.answers).toEqual([
      { answer: 18, confident: true },
      { answer: 3, confident: false },
    ]);
    expect(parsed.reasoning?.get(0)).toMatch(/6 \* 3 = 18$/);
    expect(parsed.reasoning?.get(1)).toBe('2 + 1 = 3');
  });

  it('keeps the whole entries of a reply cut off inside a reasoning string', () => {
    const whole = JSON.stringify(renderJsonAnswerEntry(0, tag, 12, true, '5 + 7 = 12'));
    const reply = `{"answers": [${whole}, {"id": "1 ${tag}", "reasoning": "Input 2 (${tag}): 40 and {\\"id\\": \\"2 ${tag}\\", \\"answer\\": \\"40 sure\\"}, so`;
    const parsed = answersOf(reply, 3, { format: 'json', truncated: true });
    expect(parsed.answers).toEqual([{ answer: 12, confident: true }, undefined, undefined]);
    expect(parsed.reasoning?.get(0)).toBe('5 + 7 = 12');
  });
});

describe('isolateFinalAnswers', () => {
  it('lands every final answer on its own item or nowhere, whatever the solutions say', () => {
    // Solutions made of the pieces that fool a plain parser: other inputs' answer lines (right and
    // wrong code), numbers at the start of a line, headers of other blocks, cut-off endings.
    const solutionPiece = fc.oneof(
      fc.integer({ min: 0, max: 40 }).map((k) => `${k} (${tag}): ${k * 7 + 1} sure`),
      fc.integer({ min: 0, max: 40 }).map((k) => `Input ${k} (${tag}): ${k * 7 + 1}`),
      fc.integer({ min: 0, max: 40 }).map((k) => `${renderReasoningHeader(k, 'zz11')} ${k}`),
      fc.integer({ min: 0, max: 999 }).map((n) => `${n} - 3 = ${n - 3}`),
      fc.constantFrom('so the answer is', 'First we add', '', '**Step 2:** multiply'),
    );
    const block = fc.record({
      index: fc.integer({ min: 0, max: 12 }),
      solution: fc.array(solutionPiece, { maxLength: 5 }),
      closes: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(block, { maxLength: 10 }), fc.boolean(), (blocks, truncated) => {
        const expectedCount = 10;
        const text = blocks
          .map((entry) =>
            [
              `${renderReasoningHeader(entry.index, tag)} step`,
              ...entry.solution,
              // A block that does not close stops inside its working, as a cut-off one does.
              entry.closes
                ? renderAnswerLine(entry.index, tag, 1000 + entry.index, true)
                : 'then 4 more, so that',
            ].join('\n'),
          )
          .join('\n\n');
        const parsed = parseReply(task, text, {
          format: 'lines',
          expectedCount,
          tag,
          reasoning: true,
          truncated,
        });
        parsed.answers.forEach((answer, index) => {
          if (answer !== undefined) expect(answer.answer).toBe(1000 + index);
        });
      }),
      { numRuns: 400 },
    );
  });

  it('returns the solutions of blocks without a closing line too, and counts them as dropped', () => {
    const isolated = isolateFinalAnswers(`${renderReasoningHeader(0, tag)} 3 * 4 = 12 and then`, {
      format: 'lines',
      tag,
    });
    expect(isolated.text).toBe('');
    expect(isolated.dropped).toBe(1);
    expect(isolated.reasoning.get(0)).toBe('3 * 4 = 12 and then');
  });
});
