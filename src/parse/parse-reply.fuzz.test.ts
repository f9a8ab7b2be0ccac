import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boolqTask, qqpTask, rteTask } from '../task/builtin-tasks.js';
import type { Task } from '../task/task-schema.js';
import { parseReply } from './parse-reply.js';

/*
 * Property tests over generated replies: whatever a model writes, an answer is only ever recorded
 * for the index it was written under, and every item without an answer says why.
 */

interface WrittenLine {
  index: number;
  /** The label value the line means (before its spelling was varied). */
  label: string;
  text: string;
}

const tasks: Task[] = [boolqTask, rteTask, qqpTask];

function spellings(task: Task, label: string): string[] {
  if (task.answer.type !== 'labels') return [label];
  const found = task.answer.labels.find((candidate) => candidate.value === label);
  return found ? [found.value, found.value.toUpperCase(), ...found.aliases] : [label];
}

const lineShape = fc.record({
  spelling: fc.nat(),
  confidence: fc.constantFrom('(sure)', '(unsure)', '(confident)', '(not confident)', '', '[sure]'),
  prefix: fc.constantFrom('Input ', 'Label for Input ', '- Input ', '**Input ', '#', '', '| Input '),
  tagMode: fc.constantFrom('right', 'right', 'right', 'wrong', 'none'),
  separator: fc.constantFrom(': ', ' - ', ': ', ') ', ' = '),
});

const replyShape = fc.record({
  taskIndex: fc.nat({ max: tasks.length - 1 }),
  expectedCount: fc.integer({ min: 1, max: 40 }),
  labelsSeed: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
  lines: fc.array(
    fc.record({ index: fc.integer({ min: -2, max: 45 }), labelChoice: fc.nat(), shape: lineShape }),
    { maxLength: 60 },
  ),
  prose: fc.array(
    fc.constantFrom(
      'Here are the answers.',
      'yes',
      'I think so.',
      '```',
      '```text',
      '| --- | --- |',
      'Note: 3 items were hard.',
      'no (sure)',
    ),
    { maxLength: 6 },
  ),
  truncateAt: fc.option(fc.nat(), { nil: undefined }),
  json: fc.boolean(),
});

describe('parseReply under generated replies', () => {
  it('never crashes, never attributes an answer to the wrong item, and explains every missing one', () => {
    fc.assert(
      fc.property(replyShape, (shape) => {
        const task = tasks[shape.taskIndex]!;
        const labels = task.answer.type === 'labels' ? task.answer.labels.map((label) => label.value) : ['x'];
        const tag = 'qx7k';
        const written: WrittenLine[] = [];
        const textLines: string[] = [];
        for (const line of shape.lines) {
          const label = labels[line.labelChoice % labels.length]!;
          const options = spellings(task, label);
          const spelled = options[line.shape.spelling % options.length]!;
          const tagText =
            line.shape.tagMode === 'right' ? ` (${tag})` : line.shape.tagMode === 'wrong' ? ' (zz9z)' : '';
          const closing = line.shape.prefix === '**Input ' ? '**' : '';
          const pipe = line.shape.prefix === '| Input ' ? ' |' : '';
          const text = `${line.shape.prefix}${line.index}${tagText}${closing}${line.shape.separator}${spelled} ${line.shape.confidence}${pipe}`;
          written.push({ index: line.index, label, text });
          textLines.push(text);
        }
        for (const [position, prose] of shape.prose.entries()) {
          textLines.splice(Math.min(position * 3, textLines.length), 0, prose);
        }
        let reply = textLines.join('\n');
        if (shape.json) {
          reply = JSON.stringify({
            answers: shape.lines.map((line) => ({
              id: line.index,
              answer: labels[line.labelChoice % labels.length],
              confident: line.shape.confidence === '(sure)',
            })),
          });
        }
        if (shape.truncateAt !== undefined) reply = reply.slice(0, shape.truncateAt % (reply.length + 1));

        const parsed = parseReply(task, reply, {
          format: shape.json ? 'json' : 'lines',
          expectedCount: shape.expectedCount,
          tag,
        });

        expect(parsed.answers).toHaveLength(shape.expectedCount);
        const explained = new Set(parsed.problems.map((problem) => problem.index));
        for (let index = 0; index < shape.expectedCount; index += 1) {
          const answer = parsed.answers[index];
          if (answer === undefined) {
            expect(explained.has(index)).toBe(true);
            continue;
          }
          expect(explained.has(index)).toBe(false);
          // The answer must be one that the reply wrote under this very index.
          const meant = shape.json
            ? shape.lines
                .filter((line) => line.index === index)
                .map((line) => labels[line.labelChoice % labels.length])
            : written.filter((line) => line.index === index).map((line) => line.label);
          expect(meant).toContain(answer.answer);
        }
      }),
      { numRuns: 3000, seed: 20261127 },
    );
  });

  it('answers every item of a complete, well-formed reply whatever its line order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
        fc.nat(),
        (count, answers, rotation) => {
          const lines = Array.from(
            { length: count },
            (_, index) => `Input ${index} (abcd): ${answers[index] ? 'yes' : 'no'} (sure)`,
          );
          const rotated = [...lines.slice(rotation % count), ...lines.slice(0, rotation % count)];
          const parsed = parseReply(boolqTask, rotated.join('\n'), {
            format: 'lines',
            expectedCount: count,
            tag: 'abcd',
          });
          expect(parsed.problems).toEqual([]);
          expect(parsed.answers.map((answer) => answer?.answer)).toEqual(
            answers.slice(0, count).map((answer) => (answer ? 'yes' : 'no')),
          );
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });
});
