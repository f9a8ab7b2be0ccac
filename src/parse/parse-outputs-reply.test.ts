import { describe, expect, it } from 'vitest';
import { threeOutputTask } from '../../test/three-output-task.js';
import { parseOutputsReply } from './parse-outputs-reply.js';

const task = threeOutputTask;

const lines = (text: string, expectedCount: number, outputs?: string[]) =>
  parseOutputsReply(task, text, {
    format: 'lines',
    expectedCount,
    tag: 'k9q2',
    ...(outputs ? { outputs } : {}),
  });

/** Each item's answers as plain values by output name. */
function answersOf(parsed: ReturnType<typeof lines>): Record<string, unknown>[] {
  return parsed.items.map((item) =>
    Object.fromEntries([...item.answers].map(([name, answer]) => [name, answer.answer])),
  );
}

describe('parseOutputsReply (lines)', () => {
  it('reads every output of every line, each with its own confidence, by the index written', () => {
    const parsed = lines(
      '1 (k9q2): topic=delivery sure; urgency=low unsure; mentions=none sure\n0 (k9q2): topic=billing sure; urgency=high sure; mentions=refund, deadline unsure',
      2,
    );
    expect(answersOf(parsed)).toEqual([
      { topic: 'billing', urgency: 'high', mentions: ['refund', 'deadline'] },
      { topic: 'delivery', urgency: 'low', mentions: [] },
    ]);
    expect(parsed.items[1]?.answers.get('urgency')?.confident).toBe(false);
    expect(parsed.items[0]?.answers.get('mentions')?.confident).toBe(false);
    expect(parsed.items.every((item) => item.missing.length === 0)).toBe(true);
  });

  it('keeps the outputs a line answers and names the one it left out, for that item alone', () => {
    const parsed = lines(
      '0 (k9q2): topic=billing sure; mentions=refund sure\n1 (k9q2): topic=account sure; urgency=low sure; mentions=callback sure',
      2,
    );
    expect(answersOf(parsed)[0]).toEqual({ topic: 'billing', mentions: ['refund'] });
    expect(parsed.items[0]?.missing.map((entry) => entry.output)).toEqual(['urgency']);
    expect(parsed.items[1]?.missing).toEqual([]);
  });

  it('misses an output whose answer cannot be read, and keeps the rest of the line', () => {
    const parsed = lines('0 (k9q2): topic=billing sure; urgency=hihg sure; mentions=refund, lunch sure', 1);
    expect(answersOf(parsed)[0]).toEqual({ topic: 'billing' });
    expect(parsed.items[0]?.missing.map((entry) => entry.output)).toEqual(['urgency', 'mentions']);
    expect(parsed.items[0]?.missing[0]?.detail).toContain('hihg');
  });

  it('attributes nothing to an item whose line names an output the task lacks', () => {
    const parsed = lines(
      '0 (k9q2): topic=billing sure; colour=red sure; urgency=low sure; mentions=none sure\n1 (k9q2): topic=account sure; urgency=low sure; mentions=none sure',
      2,
    );
    expect(parsed.items[0]?.answers.size).toBe(0);
    expect(parsed.items[0]?.missing.map((entry) => entry.output)).toEqual(['topic', 'urgency', 'mentions']);
  });

  it('attributes nothing to an item whose line names one output twice, alike or not', () => {
    for (const second of ['billing', 'account']) {
      const parsed = lines(
        `0 (k9q2): topic=billing sure; urgency=low sure; topic=${second} sure; mentions=none sure`,
        1,
      );
      expect(parsed.items[0]?.answers.size).toBe(0);
    }
  });

  it('attributes nothing to a line that gives answers without the outputs’ names', () => {
    const parsed = lines('0 (k9q2): billing sure; low sure; none sure', 1);
    expect(parsed.items[0]?.answers.size).toBe(0);
  });

  it('ignores lines of another batch code', () => {
    const parsed = lines('0 (zzzz): topic=billing sure; urgency=low sure; mentions=none sure', 1);
    expect(parsed.items[0]?.answers.size).toBe(0);
  });

  it('reads only the outputs a re-ask asked, and ignores others the line gives', () => {
    const parsed = lines('0 (k9q2): topic=billing sure; urgency=high sure', 1, ['urgency']);
    expect(parsed.outputs).toEqual(['urgency']);
    expect(answersOf(parsed)).toEqual([{ urgency: 'high' }]);
    expect(parsed.items[0]?.missing).toEqual([]);
  });

  it('never uses the last line of a reply cut off at the output limit', () => {
    const parsed = parseOutputsReply(
      task,
      '0 (k9q2): topic=billing sure; urgency=low sure; mentions=none sure\n1 (k9q2): topic=account sure; urgency=lo',
      { format: 'lines', expectedCount: 2, tag: 'k9q2', truncated: true },
    );
    expect(parsed.items[0]?.answers.size).toBe(3);
    expect(parsed.items[1]?.answers.size).toBe(0);
  });
});

describe('parseOutputsReply (JSON)', () => {
  const json = (value: unknown, expectedCount: number) =>
    parseOutputsReply(task, JSON.stringify(value), { format: 'json', expectedCount, tag: 'k9q2' });

  it('reads one entry per item with a key per output, the confidence after each answer', () => {
    const parsed = json(
      {
        answers: [
          { id: '1 k9q2', topic: 'account sure', urgency: 'low sure', mentions: 'none sure' },
          { id: '0 k9q2', topic: 'billing unsure', urgency: 'high sure', mentions: 'callback, refund sure' },
        ],
      },
      2,
    );
    expect(answersOf(parsed)).toEqual([
      { topic: 'billing', urgency: 'high', mentions: ['refund', 'callback'] },
      { topic: 'account', urgency: 'low', mentions: [] },
    ]);
    expect(parsed.items[0]?.answers.get('topic')?.confident).toBe(false);
  });

  it('keeps the outputs an entry gives and misses the key it left out', () => {
    const parsed = json({ answers: [{ id: '0 k9q2', topic: 'billing sure', mentions: ['refund'] }] }, 1);
    expect(answersOf(parsed)[0]).toEqual({ topic: 'billing', mentions: ['refund'] });
    expect(parsed.items[0]?.missing.map((entry) => entry.output)).toEqual(['urgency']);
  });

  it('attributes nothing to an entry with an unknown key or a key written twice', () => {
    const unknown = json(
      { answers: [{ id: '0 k9q2', topic: 'billing sure', urgency: 'low sure', size: 'big sure' }] },
      1,
    );
    expect(unknown.items[0]?.answers.size).toBe(0);
    const repeated = parseOutputsReply(
      task,
      '{"answers": [{"id": "0 k9q2", "topic": "billing sure", "topic": "account sure", "urgency": "low sure", "mentions": "none sure"}]}',
      { format: 'json', expectedCount: 1, tag: 'k9q2' },
    );
    expect(repeated.items[0]?.answers.size).toBe(0);
  });
});
