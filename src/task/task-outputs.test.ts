import { describe, expect, it } from 'vitest';
import { checkTaskFile, loadTask } from './load-task.js';
import { taskForOutput } from './task-outputs.js';
import type { MultiOutputTask } from './task-schema.js';

const ticketsTask = new URL('../../examples/tickets/task.yaml', import.meta.url).pathname;

/** Every problem of a task file's text as `line:field: message`. */
function problemsOf(text: string): string[] {
  const checked = checkTaskFile(text, 'task.yaml');
  if ('task' in checked) return [];
  return checked.problems.map((problem) => `${problem.line}:${problem.field}: ${problem.message}`);
}

const head = 'name: t\ninstruction: Judge the ticket.\nfields: [body]\n';

describe('tasks with outputs', () => {
  it('loads the example ticket task: four outputs, one of them multi-choice, examples answering each', () => {
    const task = loadTask(ticketsTask) as MultiOutputTask;
    expect(task.outputs.map((output) => output.name)).toEqual(['topic', 'urgency', 'tone', 'mentions']);
    const mentions = task.outputs[3]!.answer;
    expect(mentions.type === 'labels' && mentions.multiple && mentions.min).toBe(0);
    expect(task.examples[1]?.answers.mentions).toEqual([
      'competitor',
      'callback',
      'repeat_contact',
      'deadline',
    ]);
  });

  it('takes the shape of the contract, labels as plain strings', () => {
    const checked = checkTaskFile(
      `${head}outputs:\n  - { name: topic, answer: { type: labels, labels: [world, sports] } }\n  - { name: place, description: "names a city", answer: { type: labels, labels: ["yes", "no"] } }\n`,
      'task.yaml',
    );
    expect('task' in checked && checked.task.outputs?.map((output) => output.answer)).toEqual([
      {
        type: 'labels',
        multiple: false,
        labels: [
          { value: 'world', aliases: [] },
          { value: 'sports', aliases: [] },
        ],
      },
      {
        type: 'labels',
        multiple: false,
        labels: [
          { value: 'yes', aliases: [] },
          { value: 'no', aliases: [] },
        ],
      },
    ]);
  });

  it('names the line and field of each problem of the outputs and of the examples’ answers', () => {
    const problems = problemsOf(
      `${head}answer: { type: number }\noutputs:\n  - { name: topic, answer: { type: labels, labels: [a, b] } }\n  - { name: topic, answer: { type: labels, labels: [c, d], min: 1 } }\n  - { name: tags, answer: { type: labels, labels: [x, y], multiple: true, min: 2, max: 1 } }\n  - { name: id, answer: { type: number }, colour: red }\nexamples:\n  - fields: { body: hi }\n    answers: { topic: z, tags: [x], size: 3 }\n`,
    );
    expect(problems).toEqual([
      '4:answer: invalid task: a task has `answer` (one question per item) or `outputs` (several), not both: move the answer into an output',
      '7:outputs.1.name: invalid task: output `topic` is listed twice',
      '7:outputs.1.answer.min: invalid task: `min` counts the labels of a multi-choice answer: add `multiple: true`',
      '8:outputs.2.answer.min: invalid task: `min` (2) is above `max` (1)',
      '9:outputs.3.name: invalid task: `id` cannot name an output: replies use it for something else (reserved: id, code, tag, index, input, reasoning, confident, confidence, answers)',
      '9:outputs.3.colour: invalid task: unknown key `colour`; the keys here are `name`, `description`, `answer`',
      '12:examples.0.answers.id: invalid task: example 0 lacks an answer for output `id`',
      '12:examples.0.answers.topic: invalid task: example 0, output `topic`: "z" is not one of the labels (a, b)',
      '12:examples.0.answers.topic: invalid task: example 0, output `topic`: "z" is not one of the labels (c, d)',
      '12:examples.0.answers.tags: invalid task: example 0, output `tags`: holds 1 label(s); this output takes 2 to 1',
      '12:examples.0.answers.size: invalid task: `size` is not an output (the outputs are topic, tags, id)',
    ]);
  });

  it('asks for `answer` or `outputs` when a task has neither', () => {
    expect(problemsOf(head)).toEqual([
      '1:answer: invalid task: `answer` is required here (or `outputs`, to ask several questions per item)',
    ]);
  });

  it('makes the task of one output alone, with that output’s answers in its examples', () => {
    const task = loadTask(ticketsTask) as MultiOutputTask;
    const urgency = taskForOutput(task, 'urgency');
    expect(urgency.answer).toEqual({
      type: 'labels',
      labels: task.outputs[1]!.answer.type === 'labels' ? task.outputs[1]!.answer.labels : [],
    });
    expect(urgency.examples.map((example) => example.answer)).toEqual(['normal', 'high', 'low']);
    expect(urgency.instruction).toContain('urgency: how soon the customer needs an answer');
    expect(taskForOutput(task, 'mentions').outputs?.map((output) => output.name)).toEqual(['mentions']);
    expect(() => taskForOutput(task, 'colour')).toThrow(/no output `colour`/);
  });
});
