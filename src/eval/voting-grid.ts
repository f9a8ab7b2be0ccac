import { batchPrompt } from '../engine/batch-prompt.js';
import type { Item, ItemResult, RunSummary } from '../engine/types.js';
import { decideVote, type Voting } from '../engine/vote.js';
import { answersMatch } from '../parse/answers-match.js';
import { normalizeAnswer } from '../parse/normalize-answer.js';
import type { ChatModel } from '../spec/chat-model.js';
import type { SingleOutputTask } from '../task/task-schema.js';

export interface VotingGridOptions {
  task: SingleOutputTask;
  items: readonly Item[];
  model: ChatModel;
  batchSize: number;
  /** The round counts to score, e.g. [1, 3, 5, 7, 9]. */
  rounds: readonly number[];
  /** @default 'majority' */
  voting?: Voting;
  /** @default 0 */
  seed?: number;
  signal?: AbortSignal;
}

export interface VotingGrid {
  /** Accuracy (0..1) after each round count of `rounds`, in the same order. */
  accuracy: number[];
  summary: RunSummary;
  results: ItemResult[];
}

/**
 * Accuracy of BPE (no early stopping) after 1, 3, 5 ... rounds from a single run of the largest
 * round count: round r's shuffle and batch codes depend only on the seed and r, so the first k
 * rounds of a 9-round run are exactly a k-round run, and its votes can be re-counted per k.
 */
export async function measureVotingGrid(options: VotingGridOptions): Promise<VotingGrid> {
  const voting = options.voting ?? 'majority';
  const maxRounds = Math.max(...options.rounds);
  const { results, summary } = await batchPrompt({
    task: options.task,
    items: options.items,
    model: options.model,
    strategy: 'bpe',
    batchSize: options.batchSize,
    rounds: maxRounds,
    voting,
    seed: options.seed ?? 0,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const golds = options.items.map((item) => normalizeAnswer(options.task, item.gold));
  const accuracy = options.rounds.map((rounds) => {
    let correct = 0;
    results.forEach((result) => {
      const outcome = decideVote(
        result.votes.filter((vote) => vote.round <= rounds),
        voting,
      );
      const gold = golds[result.index];
      if (answersMatch(options.task, outcome?.answer, gold)) correct += 1;
    });
    return correct / results.length;
  });
  return { accuracy, summary, results };
}
