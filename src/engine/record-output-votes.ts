import { parseOutputsReply } from '../parse/parse-outputs-reply.js';
import type { ReplyIssue } from '../parse/parse-reply.js';
import type { RenderedBatch } from '../prompt/render-batch.js';
import type { MultiOutputTask } from '../task/task-schema.js';
import type { ItemState } from './item-state.js';
import { labelSetKey, outputStates, outputsWanted, updateRowVote } from './output-votes.js';
import type { Vote } from './vote.js';

export interface OutputsReplyInput {
  task: MultiOutputTask;
  call: readonly ItemState[];
  rendered: RenderedBatch;
  text: string;
  truncated: boolean;
  /** Whether the items left without some answer will be asked again; if not, why is kept. */
  canRetry: boolean;
}

/**
 * Gives each item of a call of a task with outputs the votes its reply holds for the outputs it
 * still needed in this round, matched by index and batch code, output by output. An item that
 * answered some of them keeps those; it is missing (to be asked again, for the others alone) while
 * any output it needed got no usable answer.
 */
export function recordOutputVotes(input: OutputsReplyInput): {
  missing: ItemState[];
  issue: ReplyIssue | undefined;
} {
  const { task, call, rendered } = input;
  const parsed = parseOutputsReply(task, input.text, {
    format: rendered.format,
    expectedCount: rendered.expectedCount,
    tag: rendered.tag,
    ...(rendered.outputs === undefined ? {} : { outputs: rendered.outputs }),
    truncated: input.truncated,
  });
  const missing: ItemState[] = [];
  call.forEach((state, position) => {
    const round = state.rounds + 1;
    const given = parsed.items[position];
    const template: Vote = {
      round,
      answer: '',
      confident: true,
      position,
      batchSize: call.length,
      batch: rendered.tag,
    };
    const outputs = outputStates(state, task);
    const lacking: string[] = [];
    let answered = false;
    for (const name of outputsWanted(state, task)) {
      const answer = given?.answers.get(name);
      if (answer === undefined) {
        lacking.push(name);
        continue;
      }
      const value = typeof answer.answer === 'object' ? labelSetKey(answer.answer) : answer.answer;
      outputs.get(name)!.votes.push({ ...template, answer: value, confident: answer.confident });
      answered = true;
    }
    if (answered) updateRowVote(state, task, round, template);
    if (lacking.length === 0) return;
    missing.push(state);
    if (!input.canRetry) {
      const why = new Map(given?.missing.map((entry) => [entry.output, entry.detail]));
      const cutOff = input.truncated ? ' (reply cut off at the output limit)' : '';
      for (const name of lacking) {
        state.problems.push(`round ${round}: output ${name}: ${why.get(name) ?? 'no answer'}${cutOff}`);
      }
    }
  });
  return { missing, issue: parsed.issue };
}
