import { describe, expect, it } from 'vitest';
import { threeOutputTask } from '../../test/three-output-task.js';
import { defineTask } from '../task/define-task.js';
import { outputAnswersMatch } from './normalize-output-answer.js';

const [topic, , mentions] = threeOutputTask.outputs;
const [hours] = defineTask({
  name: 'repairs',
  instruction: 'Estimate the repair.',
  fields: ['report'],
  outputs: [{ name: 'hours', answer: { type: 'number', tolerance: 0.5 } }],
}).outputs!;

describe('outputAnswersMatch', () => {
  it('matches label sets by their labels, and never a set against a single label', () => {
    expect(outputAnswersMatch(mentions!, ['refund', 'deadline'], ['refund', 'deadline'])).toBe(true);
    expect(outputAnswersMatch(mentions!, [], [])).toBe(true);
    expect(outputAnswersMatch(mentions!, ['refund'], ['refund', 'deadline'])).toBe(false);
    expect(outputAnswersMatch(mentions!, ['refund'], 'refund')).toBe(false);
    expect(outputAnswersMatch(mentions!, 'refund', ['refund'])).toBe(false);
  });

  it('compares single answers as answersMatch does: labels exactly, numbers within the tolerance', () => {
    expect(outputAnswersMatch(topic!, 'billing', 'billing')).toBe(true);
    expect(outputAnswersMatch(topic!, 'billing', 'delivery')).toBe(false);
    expect(outputAnswersMatch(hours!, 4.6, 5)).toBe(true);
    expect(outputAnswersMatch(hours!, 4, 5)).toBe(false);
  });

  it('matches nothing when either side has no answer', () => {
    expect(outputAnswersMatch(mentions!, undefined, ['refund'])).toBe(false);
    expect(outputAnswersMatch(mentions!, ['refund'], null)).toBe(false);
    expect(outputAnswersMatch(topic!, null, null)).toBe(false);
  });
});
