import { describe, expect, it } from 'vitest';
import { defineTask } from '../task/define-task.js';
import { answersMatch } from './answers-match.js';
import { normalizeAnswer } from './normalize-answer.js';

const wholeNumbers = defineTask({
  name: 'count',
  instruction: 'Count.',
  fields: ['text'],
  answer: { type: 'number', integer: true },
});
const measurements = defineTask({
  name: 'measure',
  instruction: 'Measure.',
  fields: ['text'],
  answer: { type: 'number' },
});
const roughly = defineTask({
  name: 'estimate',
  instruction: 'Estimate.',
  fields: ['text'],
  answer: { type: 'number', tolerance: 0.5 },
});

describe('answersMatch on numbers as a model writes them', () => {
  it.each([
    ['18', 18],
    ['18.0', 18],
    ['$18', 18],
    ['18 dollars', 18],
    ['1,800', 1800],
    ['$1,800.00', 1800],
    ['-12', -12],
    ['−12', -12],
    ['0.5', 0.5],
  ])('%j matches the gold %d', (written, gold) => {
    const answer = normalizeAnswer(wholeNumbers, written);
    expect(answersMatch(wholeNumbers, answer, normalizeAnswer(wholeNumbers, gold))).toBe(true);
  });

  it.each([
    ['17.5', 18],
    ['19', 18],
    ['180', 18],
    ['12', -12],
    ['1,8', 18],
  ])('%j does not match the gold %d in a whole-number task', (written, gold) => {
    expect(answersMatch(wholeNumbers, normalizeAnswer(wholeNumbers, written), gold)).toBe(false);
  });

  it('is exact for whole numbers, absorbs float noise otherwise, and follows a stated tolerance', () => {
    expect(answersMatch(measurements, 0.1 + 0.2, 0.3)).toBe(true);
    expect(answersMatch(measurements, 0.31, 0.3)).toBe(false);
    expect(answersMatch(roughly, 17.6, 18)).toBe(true);
    expect(answersMatch(roughly, 18.5, 18)).toBe(true);
    expect(answersMatch(roughly, 18.6, 18)).toBe(false);
  });

  it('never matches a missing answer', () => {
    expect(answersMatch(wholeNumbers, undefined, 18)).toBe(false);
    expect(answersMatch(wholeNumbers, null, null)).toBe(false);
    expect(answersMatch(wholeNumbers, normalizeAnswer(wholeNumbers, 'unsure'), 18)).toBe(false);
  });

  it('rejects a negative tolerance in the task', () => {
    expect(() => defineTask({ ...roughly, answer: { type: 'number', tolerance: -1 } })).toThrow(
      /answer\.tolerance|invalid task/,
    );
  });
});
