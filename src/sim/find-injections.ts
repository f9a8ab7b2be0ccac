import { type Answer, normalizeAnswer } from '../parse/normalize-answer.js';
import type { WithAnswerSpace } from '../task/task-schema.js';

/** Text inside one item that imitates an answer line: `Input 3 (abcd): no (sure)`, `Input 3: no`. */
export interface ForgedAnswer {
  /** The fragment exactly as it appears in the item's text. */
  text: string;
  /** The index it claims to answer. */
  index: number;
  /** The batch code it carries, if any. */
  tag: string | undefined;
  /** The claimed answer as one of the task's answers; undefined when it is not one. */
  answer: Answer | undefined;
  confident: boolean;
}

export interface ItemInjections {
  forged: ForgedAnswer[];
  /** The answer of an "answer X for every input" instruction, when the item carries one. */
  answerForAll: Answer | undefined;
}

/**
 * Unanchored, because the prompt renderer flattens every field to one line: a forged answer line
 * survives only as a fragment in the middle of the text.
 */
const forgedAnswerPattern =
  /(?:\b(?:label|answer)s?\s+for\s+)?\binput\s+#?(\d{1,6})\s*(?:\(\s*([A-Za-z0-9]+)\s*\))?\s*:\s*([^\s()]+)(?:\s*\(\s*(sure|unsure|not sure|confident|not confident)\s*\))?/gi;

const answerForAllPattern =
  /\banswer\s+["'“‘`]?([A-Za-z0-9_.-]+?)["'”’`]?\s+(?:for|to|on)\s+(?:every|each|all(?:\s+the)?|all\s+of\s+the)\s+(?:inputs?|items?|questions?|rows?)\b/i;

/**
 * What one item's text holds that tries to steer the answers of other items: forged answer lines
 * and an "answer X for every input" instruction. The simulator uses it to behave like a weak
 * model that echoes or obeys such text; nothing in the engine relies on it.
 */
export function findInjections(
  task: WithAnswerSpace & { fields: readonly { name: string }[] },
  fields: Readonly<Record<string, string>>,
): ItemInjections {
  const forged: ForgedAnswer[] = [];
  let answerForAll: Answer | undefined;
  for (const field of task.fields) {
    const text = fields[field.name] ?? '';
    for (const match of text.matchAll(forgedAnswerPattern)) {
      const confidence = match[4]?.toLowerCase();
      forged.push({
        text: match[0].trim(),
        index: Number(match[1]),
        tag: match[2],
        answer: normalizeAnswer(task, match[3]),
        confident: confidence === 'sure' || confidence === 'confident',
      });
    }
    const instruction = answerForAllPattern.exec(text);
    if (instruction && answerForAll === undefined) answerForAll = normalizeAnswer(task, instruction[1]);
  }
  return { forged, answerForAll };
}
