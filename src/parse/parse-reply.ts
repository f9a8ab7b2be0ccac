import type { SingleOutputTask } from '../task/task-schema.js';
import { attributeCandidates } from './attribute-candidates.js';
import { isolateFinalAnswers } from './isolate-final-answers.js';
import type { ParsedReply } from './parsed-reply.js';
import { readJsonCandidates } from './read-json-candidates.js';
import { readLineCandidates } from './read-line-candidates.js';

export type {
  ItemProblem,
  ItemProblemKind,
  ParsedAnswer,
  ParsedReply,
  ReplyIssue,
  ReplyIssueKind,
} from './parsed-reply.js';

export interface ParseReplyOptions {
  format: 'lines' | 'json';
  expectedCount: number;
  /** The batch code the reply must echo; answers with another code are ignored. */
  tag?: string;
  /**
   * The reply holds a worked solution before each answer (a task with `reasoning: true`): only
   * the final answer of each item's own block or entry is read (`isolate-final-answers.ts`).
   */
  reasoning?: boolean;
  /**
   * The reply was cut off at the output limit (`finish_reason: length`). Its last answer may be
   * cut short (`12` of `123`), so it is never used and its item is asked again; with reasoning, the
   * last block is used only if its answer line visibly ended (`isolate-final-answers.ts`).
   */
  truncated?: boolean;
}

/**
 * Reads a reply into one answer per item, matched by the index the model wrote and the batch
 * code it echoed, never by the order of the lines. An answer is used only when its item is
 * certain; otherwise the item gets none and the reason:
 * - answers must carry this batch's code (any letter case); those without it or with another code
 *   (quoted worked examples, forged lines, a model that dropped the code) never count;
 * - the answers used come from one format: JSON entries and answer lines both claiming this batch
 *   make the reply ambiguous, so nothing of it is used;
 * - indices outside 0..N-1 mean the numbering is off and nothing is used, unless the reply numbered
 *   every item 1..N exactly once with the code, which is read shifted by one;
 * - an index written more than once means the reply holds more than one pass: nothing is used;
 * - index 0 unanswered while higher ones are answered looks like counting from 1: nothing is used;
 * - after an index with no readable answer, the numbering of later ones cannot be trusted, so only
 *   the items before it are used.
 */
export function parseReply(
  task: SingleOutputTask,
  replyText: string,
  options: ParseReplyOptions,
): ParsedReply {
  if (options.reasoning === true) {
    // Without a batch code no block can be told from a quote inside a solution: nothing is read.
    const isolated = isolateFinalAnswers(replyText, {
      format: options.format,
      tag: options.tag ?? '',
      truncated: options.truncated ?? false,
    });
    // The pre-pass has already judged the last block of a cut-off reply.
    const parsed = parseReply(task, isolated.text, {
      ...options,
      format: isolated.format,
      reasoning: false,
      truncated: false,
    });
    return { ...parsed, reasoning: isolated.reasoning };
  }
  const candidates = readLineCandidates(task, replyText, options.tag);
  if (/[[{]/.test(replyText)) candidates.push(...readJsonCandidates(task, replyText));
  return attributeCandidates(candidates, options.expectedCount, options.tag, options.truncated === true);
}
