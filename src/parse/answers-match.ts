import type { WithAnswerSpace } from '../task/task-schema.js';
import type { Answer } from './normalize-answer.js';

/**
 * Whether an answer counts as the gold answer. Both are normalised answers (`normalizeAnswer`).
 * Numbers compare as numbers within the task's tolerance: exact for whole-number tasks unless the
 * task says otherwise, one part in a billion for other number tasks. Labels and texts compare
 * exactly (they are already normalised).
 */
export function answersMatch(
  task: WithAnswerSpace,
  answer: Answer | null | undefined,
  gold: Answer | null | undefined,
): boolean {
  if (answer === null || answer === undefined || gold === null || gold === undefined) return false;
  const space = task.answer;
  if (space.type === 'number' && typeof answer === 'number' && typeof gold === 'number') {
    const tolerance =
      space.tolerance ?? (space.integer ? 0 : 1e-9 * Math.max(1, Math.abs(answer), Math.abs(gold)));
    return Math.abs(answer - gold) <= tolerance;
  }
  return answer === gold;
}
