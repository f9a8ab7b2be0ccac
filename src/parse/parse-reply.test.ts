import { describe, expect, it } from 'vitest';
import { renderJsonAnswerEntry } from '../prompt/render-batch.js';
import { boolqTask, rteTask } from '../task/builtin-tasks.js';
import { defineTask } from '../task/define-task.js';
import { parseReply } from './parse-reply.js';

const lines = (text: string, expectedCount: number, tag?: string) =>
  parseReply(boolqTask, text, { format: 'lines', expectedCount, ...(tag ? { tag } : {}) });

describe('parseReply (lines)', () => {
  it('reads well-formed lines with their confidence', () => {
    const parsed = lines('Input 0 (abcd): yes (sure)\nInput 1 (abcd): no (unsure)', 2, 'abcd');
    expect(parsed.answers).toEqual([
      { answer: 'yes', confident: true },
      { answer: 'no', confident: false },
    ]);
    expect(parsed.problems).toEqual([]);
  });

  it('matches answers by the index written, not by line order', () => {
    const parsed = lines('Input 2: no (sure)\nInput 0: yes (sure)\nInput 1: yes (unsure)', 3);
    expect(parsed.answers.map((answer) => answer?.answer)).toEqual(['yes', 'yes', 'no']);
  });

  it('reports a skipped index as missing and trusts no later index, whose numbering may be shifted', () => {
    const parsed = lines('Input 0: yes (sure)\nInput 2: no (sure)', 3);
    expect(parsed.answers[0]?.answer).toBe('yes');
    expect(parsed.answers[1]).toBeUndefined();
    expect(parsed.answers[2]).toBeUndefined();
    expect(parsed.problems.map((problem) => problem.kind)).toEqual(['missing', 'numbering']);
    expect(parsed.issue?.kind).toBe('numbering-gap');
  });

  it('attributes nothing to a reply that left out input 0 but answered a later one, as when counting from 1', () => {
    for (const text of ['Input 1: yes (sure)', 'Input 1: yes (sure)\nInput 2: no (sure)']) {
      const parsed = lines(text, 3);
      expect(parsed.answers, text).toEqual([undefined, undefined, undefined]);
      expect(parsed.problems.map((problem) => problem.kind)).toEqual(['numbering', 'numbering', 'numbering']);
      expect(parsed.issue?.kind).toBe('numbering-from-1');
    }
  });

  it('keeps the answers before a trailing gap (a reply cut short)', () => {
    const parsed = lines('Input 0: yes (sure)\nInput 1: no (sure)', 4);
    expect(parsed.answers.map((answer) => answer?.answer)).toEqual(['yes', 'no', undefined, undefined]);
    expect(parsed.problems.map((problem) => problem.kind)).toEqual(['missing', 'missing']);
  });

  it('attributes nothing when an index is answered twice, alike or not: the reply holds two passes', () => {
    for (const second of ['no', 'yes']) {
      const parsed = lines(`Input 0: yes (sure)\nInput 0: ${second} (sure)\nInput 1: no (sure)`, 2);
      expect(parsed.answers).toEqual([undefined, undefined]);
      expect(parsed.problems.map((problem) => problem.kind)).toEqual(['conflicting', 'conflicting']);
      expect(parsed.issue?.kind).toBe('repeated');
    }
  });

  it('refuses to attribute anything when the reply counts from 1', () => {
    const parsed = lines('Input 1: yes (sure)\nInput 2: no (sure)\nInput 3: yes (sure)', 3);
    expect(parsed.answers.every((answer) => answer === undefined)).toBe(true);
    expect(parsed.outOfRange).toEqual([3]);
    expect(parsed.problems.map((problem) => problem.kind)).toEqual(['numbering', 'numbering', 'numbering']);
  });

  it('attributes nothing when a complete set comes with one index too many: which line is extra is a guess', () => {
    const parsed = lines('Input 0: yes (sure)\nInput 1: no (sure)\nInput 2: no (sure)', 2);
    expect(parsed.answers).toEqual([undefined, undefined]);
    expect(parsed.outOfRange).toEqual([2]);
    expect(parsed.issue?.kind).toBe('numbering-out-of-range');
  });

  it('tolerates prose, markdown, code fences and label aliases', () => {
    const text = [
      'Sure! Here are my answers:',
      '```',
      '- **Input 0**: Yes (confident)',
      'Label for Input 1: [class 0] (not confident)',
      '3) TRUE, because the passage says so (sure)',
      '```',
      '| Input 2 | false | sure |',
      'I hope this helps.',
    ].join('\n');
    const parsed = lines(text, 4);
    expect(parsed.answers).toEqual([
      { answer: 'yes', confident: true },
      { answer: 'no', confident: false },
      { answer: 'no', confident: true },
      { answer: 'yes', confident: true },
    ]);
  });

  it('reports an unreadable label as unparseable', () => {
    const parsed = lines('Input 0: maybe (sure)', 1);
    expect(parsed.answers[0]).toBeUndefined();
    expect(parsed.problems[0]?.kind).toBe('unparseable');
  });

  it('never confuses "not entailment" with "entailment"', () => {
    const parsed = parseReply(rteTask, 'Input 0: not entailment (sure)\nInput 1: entailment (sure)', {
      format: 'lines',
      expectedCount: 2,
    });
    expect(parsed.answers.map((answer) => answer?.answer)).toEqual(['not_entailment', 'entailment']);
  });

  it('ignores lines with a foreign batch code, and untagged lines when tagged ones exist', () => {
    const parsed = lines(
      'Input 0 (abcd): yes (sure)\nInput 1 (zzzz): no (sure)\nInput 1: no (sure)\nInput 1 (abcd): yes (sure)',
      2,
      'abcd',
    );
    expect(parsed.answers.map((answer) => answer?.answer)).toEqual(['yes', 'yes']);
    expect(parsed.ignoredLines).toBe(2);
  });

  it('attributes nothing when the model echoes no code at all: nothing ties the lines to the batch', () => {
    const parsed = lines('Input 0: no (sure)', 1, 'abcd');
    expect(parsed.answers[0]).toBeUndefined();
    expect(parsed.issue?.kind).toBe('no-code');
    expect(parsed.ignoredLines).toBe(1);
  });

  it('counts a missing confidence tag as not confident', () => {
    expect(lines('Input 0: yes', 1).answers[0]).toEqual({ answer: 'yes', confident: false });
  });
});

describe('parseReply (json)', () => {
  const json = (text: string, expectedCount: number) =>
    parseReply(boolqTask, text, { format: 'json', expectedCount });

  it('reads an answers object by id', () => {
    const parsed = json(
      '{"answers":[{"id":1,"answer":"no","confident":false},{"id":0,"answer":"yes","confident":true}]}',
      2,
    );
    expect(parsed.answers).toEqual([
      { answer: 'yes', confident: true },
      { answer: 'no', confident: false },
    ]);
  });

  it('reads a fenced bare array and ignores entries without an id', () => {
    const parsed = json(
      '```json\n[{"id":"0","answer":"False","confident":true},{"answer":"yes","confident":true}]\n```',
      2,
    );
    expect(parsed.answers[0]).toEqual({ answer: 'no', confident: true });
    expect(parsed.answers[1]).toBeUndefined();
  });

  it('keeps the whole entries of a truncated reply', () => {
    const parsed = json('{"answers":[{"id":0,"answer":"yes","confident":true},{"id":1,"answer":"n', 2);
    expect(parsed.answers[0]?.answer).toBe('yes');
    expect(parsed.problems).toEqual([{ index: 1, kind: 'missing', detail: 'no answer for this index' }]);
  });
});

describe('parseReply on a reply cut off at the output limit', () => {
  const numbers = defineTask({
    name: 'sums',
    instruction: 'Add the numbers.',
    fields: ['question'],
    answer: { type: 'number', integer: true },
  });
  const levels = defineTask({
    name: 'levels',
    instruction: 'Rate the risk.',
    fields: ['text'],
    answer: { type: 'labels', labels: ['low', 'lowest', 'high'] },
  });
  const cutOffDetail = 'the reply was cut off at the output limit in this answer, which may be incomplete';
  const read = (task: typeof numbers, text: string, format: 'lines' | 'json', truncated: boolean) =>
    parseReply(task, text, { format, expectedCount: 3, tag: 'abcd', truncated });

  it('never reads the last number of a cut-off reply (12 of 123): its item is asked again', () => {
    const reply = '0 (abcd): 7 sure\n1 (abcd): 12';
    // Read as a whole reply, the cut number passes for an answer...
    expect(read(numbers, reply, 'lines', false).answers[1]).toEqual({ answer: 12, confident: false });
    // ...so a reply that ended at the output limit gives none for it.
    const parsed = read(numbers, reply, 'lines', true);
    expect(parsed.answers).toEqual([{ answer: 7, confident: true }, undefined, undefined]);
    expect(parsed.problems).toEqual([
      { index: 1, kind: 'missing', detail: cutOffDetail },
      { index: 2, kind: 'missing', detail: 'no answer for this index' },
    ]);
  });

  it('never reads the last label of a cut-off reply (low of lowest)', () => {
    const reply = '0 (abcd): high sure\n1 (abcd): low';
    expect(read(levels, reply, 'lines', false).answers[1]?.answer).toBe('low');
    const parsed = read(levels, reply, 'lines', true);
    expect(parsed.answers).toEqual([{ answer: 'high', confident: true }, undefined, undefined]);
    expect(parsed.problems[0]).toEqual({ index: 1, kind: 'missing', detail: cutOffDetail });
  });

  it('drops the last whole JSON entry too, and keeps the rest of a reply written out of order', () => {
    const entries = [2, 0, 1].map((index) => renderJsonAnswerEntry(index, 'abcd', index * 10, true));
    const parsed = read(numbers, JSON.stringify({ answers: entries }), 'json', true);
    // Entry 1 came last; its index was written, so the numbering of entry 2 still holds.
    expect(parsed.answers).toEqual([
      { answer: 0, confident: true },
      undefined,
      { answer: 20, confident: true },
    ]);
    expect(parsed.problems).toEqual([{ index: 1, kind: 'missing', detail: cutOffDetail }]);
    const cut = `{"answers":[${JSON.stringify(entries[0])},${JSON.stringify(entries[1])},{"id":"1 abcd","answer":"1`;
    expect(read(numbers, cut, 'json', true).answers).toEqual([undefined, undefined, undefined]);
  });
});
