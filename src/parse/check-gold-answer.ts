import { InputError } from '../spec/errors.js';
import type { WithAnswerSpace } from '../task/task-schema.js';
import { type Answer, normalizeAnswer } from './normalize-answer.js';

function describeAnswerSpace(task: WithAnswerSpace): string {
  switch (task.answer.type) {
    case 'labels':
      return `one of the task's labels (${task.answer.labels.map((label) => label.value).join(', ')}) or their aliases`;
    case 'number':
      return 'a number';
    case 'text':
      return 'a text';
  }
}

/**
 * A row's gold answer read as one of the task's answers. A value the task cannot answer with is
 * bad input, not a wrong answer: scored as one, it would lower the accuracy without a word.
 */
export function checkGoldAnswer(
  task: WithAnswerSpace,
  gold: unknown,
  where: { file: string; line: number; field: string },
): Answer {
  const answer = normalizeAnswer(task, gold);
  if (answer === undefined) {
    const shown =
      typeof gold === 'string'
        ? JSON.stringify(gold.length > 40 ? `${gold.slice(0, 40)}…` : gold)
        : String(JSON.stringify(gold) ?? gold);
    throw new InputError(`the gold answer ${shown} is not ${describeAnswerSpace(task)}`, where);
  }
  return answer;
}
