import { defineTask } from '../src/task/define-task.js';
import type { MultiOutputTask } from '../src/task/task-schema.js';

/** A task with three outputs, one of them multi-choice, for the tests of replies with outputs. */
export const threeOutputTask = defineTask({
  name: 'tickets',
  instruction: 'Answer each question about the ticket.',
  fields: ['body'],
  outputs: [
    { name: 'topic', answer: { type: 'labels', labels: ['billing', 'delivery', 'account'] } },
    { name: 'urgency', answer: { type: 'labels', labels: ['low', 'high'] } },
    {
      name: 'mentions',
      answer: { type: 'labels', labels: ['refund', 'deadline', 'callback'], multiple: true, min: 0 },
    },
  ],
}) as MultiOutputTask;
