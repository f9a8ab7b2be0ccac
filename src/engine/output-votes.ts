import { normalizeOutputAnswer, outputAnswersMatch } from '../parse/normalize-output-answer.js';
import { noLabelsWord } from '../task/check-task-outputs.js';
import type { MultiOutputTask, TaskOutput } from '../task/task-schema.js';
import { assessSettlement } from './assess-settlement.js';
import type { ItemState } from './item-state.js';
import { type StopConditions, type StopReason, stopReason, type VoteHistory } from './stop-condition.js';
import { decideVote, type Vote, type Voting, voteWeight } from './vote.js';

/*
 * Votes per output, for a task with several outputs: each output of each item has its own votes
 * and settles on its own; the item is done when every output is. A multi-choice output's vote is
 * the set it gave, written as its labels joined by commas (`none` for the empty set), so that two
 * votes agree when they hold the same labels; its final answer is decided label by label.
 */

/** What the engine knows of one output of one item. */
export interface OutputState {
  votes: Vote[];
  /** True once a stopping condition held on its votes: it is not asked again. */
  settled: boolean;
}

/** The outputs of an item, created on first use (a probe's anchor is a bare copy). */
export function outputStates(state: ItemState, task: MultiOutputTask): Map<string, OutputState> {
  if (state.outputs === undefined) {
    state.outputs = new Map(task.outputs.map((output) => [output.name, { votes: [], settled: false }]));
  }
  return state.outputs;
}

/** The outputs an item still needs an answer for in the round it is asked in. */
export function outputsWanted(state: ItemState, task: MultiOutputTask): string[] {
  const round = state.rounds + 1;
  return [...outputStates(state, task)]
    .filter(([, output]) => !output.settled && !output.votes.some((vote) => vote.round === round))
    .map(([name]) => name);
}

/** The outputs a call asks: those any of its items still needs, in the task's order. */
export function outputsOfCall(call: readonly ItemState[], task: MultiOutputTask): string[] {
  const wanted = new Set(call.flatMap((state) => outputsWanted(state, task)));
  return task.outputs.map((output) => output.name).filter((name) => wanted.has(name));
}

/**
 * The answers the adaptive pilot measures: an item's votes, or for a task with outputs each
 * output's votes on their own, so that the pilot sees how often each answer changes rather than
 * how often any of a row's answers does.
 */
export function pilotAnswers(pilot: readonly ItemState[]): { votes: readonly Vote[] }[] {
  return pilot.flatMap((state) =>
    state.outputs === undefined
      ? [state]
      : [...state.outputs.values()].map((output) => ({ votes: output.votes })),
  );
}

/**
 * An item's vote of one round as the adaptive rule observes it beyond the pilot (which round-2
 * calls to ask first, whether a probe's anchors agree): one vote per output of a task with
 * outputs, by output name, so that a row of ten answers counts as ten observations, as in the
 * pilot; the item's own vote under `''` otherwise.
 */
export function observedVotes(state: ItemState, round: number): Map<string, Vote> {
  const lists: [string, readonly Vote[]][] =
    state.outputs === undefined
      ? [['', state.votes]]
      : [...state.outputs].map(([name, output]) => [name, output.votes]);
  const observed = new Map<string, Vote>();
  for (const [name, votes] of lists) {
    const vote = votes.find((entry) => entry.round === round);
    if (vote !== undefined) observed.set(name, vote);
  }
  return observed;
}

/** A set of labels as one vote's answer: `refund,deadline`, or `none`. */
export function labelSetKey(labels: readonly string[]): string {
  return labels.length === 0 ? noLabelsWord : labels.join(',');
}

function labelsOfKey(key: string): string[] {
  return key === noLabelsWord ? [] : key.split(',');
}

/**
 * The row-level vote of a round: the answers the item's outputs gave in it, joined, sure when
 * every one was. Which items may serve as a probe's anchors is read from this vote (a row answered
 * sure and repeated exactly); what they are then compared on is each output (`observedVotes`).
 */
export function updateRowVote(state: ItemState, task: MultiOutputTask, round: number, template: Vote): void {
  const parts: string[] = [];
  let confident = true;
  for (const [name, output] of outputStates(state, task)) {
    const vote = output.votes.find((entry) => entry.round === round);
    if (vote === undefined) continue;
    parts.push(`${name}=${String(vote.answer)}`);
    confident &&= vote.confident;
  }
  const row: Vote = { ...template, round, answer: parts.join(';'), confident };
  const at = state.votes.findIndex((vote) => vote.round === round);
  if (at >= 0) state.votes[at] = row;
  else state.votes.push(row);
}

/** The final answer of a multi-choice output: each label whose weighted votes pass half of all weight. */
export function decideLabelSet(
  votes: readonly Vote[],
  voting: Voting,
  labels: readonly string[],
): { answer: string[]; confidence: number; tally: Record<string, number> } | undefined {
  if (votes.length === 0) return undefined;
  const total = votes.reduce((sum, vote) => sum + voteWeight(vote, voting), 0);
  const weights = new Map<string, number>();
  for (const vote of votes) {
    for (const label of labelsOfKey(String(vote.answer))) {
      weights.set(label, (weights.get(label) ?? 0) + voteWeight(vote, voting));
    }
  }
  const answer = [...weights]
    .filter(([, weight]) => weight > total / 2 + 1e-9)
    .map(([label]) => label)
    .sort((left, right) => labels.indexOf(left) - labels.indexOf(right));
  // Its confidence: the share of vote weight that gave exactly the decided set.
  const key = labelSetKey(answer);
  const agreeing = votes
    .filter((vote) => String(vote.answer) === key)
    .reduce((sum, vote) => sum + voteWeight(vote, voting), 0);
  const tally = Object.fromEntries(
    [...weights].map(([label, weight]) => [label, Math.round(weight * 1000) / 1000]),
  );
  return { answer, confidence: agreeing / total, tally };
}

/** One output's part of an item's result. */
export interface OutputResult {
  answer: string | number | string[] | null;
  confidence: number | null;
  settled: boolean;
  margin: number;
  tally: Record<string, number>;
  votes: Vote[];
  gold?: string | number | string[] | null;
  correct?: boolean;
}

/** An output's final answer from its votes, with how settled it is. */
export function decideOutput(output: TaskOutput, votes: Vote[], voting: Voting): OutputResult {
  const space = output.answer;
  const decided =
    space.type === 'labels' && space.multiple
      ? decideLabelSet(
          votes,
          voting,
          space.labels.map((label) => label.value),
        )
      : decideVote(votes, voting);
  return {
    answer: decided?.answer ?? null,
    confidence: decided === undefined ? null : Math.round(decided.confidence * 1000) / 1000,
    ...assessSettlement(votes, voting),
    tally: decided?.tally ?? {},
    votes,
  };
}

/**
 * Settles each output of an item on which a stopping condition holds, on that output's own votes;
 * the reason the item stops once every output has settled, else undefined (it stays for the rest).
 */
export function settleOutputs(
  state: ItemState,
  task: MultiOutputTask,
  conditions: StopConditions,
  history: VoteHistory,
): StopReason | undefined {
  let last: StopReason | undefined;
  let voting = false;
  for (const output of outputStates(state, task).values()) {
    if (output.settled) continue;
    const reason = stopReason(conditions, { ...history, votes: output.votes });
    if (reason === undefined) voting = true;
    else {
      output.settled = true;
      last = reason;
    }
  }
  return voting ? undefined : (last ?? 'rounds');
}

/**
 * The result fields of an item of a task with outputs: each output's answer, and for the row the
 * weakest output's confidence and margin, settled when every output is, right when every output is.
 */
export function outputsOutcome(
  state: ItemState,
  task: MultiOutputTask,
  voting: Voting,
): {
  outputs: Record<string, OutputResult>;
  confidence: number | null;
  settled: boolean;
  margin: number;
  answered: boolean;
  correct?: boolean;
} {
  const states = outputStates(state, task);
  const gold = state.item.gold;
  const goldRecord =
    typeof gold === 'object' && gold !== null && !Array.isArray(gold)
      ? (gold as Record<string, unknown>)
      : undefined;
  const outputs: Record<string, OutputResult> = {};
  for (const output of task.outputs) {
    const result = decideOutput(output, states.get(output.name)?.votes ?? [], voting);
    const raw = goldRecord?.[output.name];
    if (raw !== undefined && raw !== null) {
      const normalized = normalizeOutputAnswer(output, raw);
      result.gold =
        normalized === undefined ? null : typeof normalized === 'object' ? [...normalized] : normalized;
      result.correct = outputAnswersMatch(output, result.answer, normalized);
    }
    outputs[output.name] = result;
  }
  const results = Object.values(outputs);
  const confidences = results.map((result) => result.confidence);
  const scored = results.filter((result) => result.correct !== undefined);
  return {
    outputs,
    confidence: confidences.some((value) => value === null) ? null : Math.min(...(confidences as number[])),
    settled: results.every((result) => result.settled),
    margin: Math.min(...results.map((result) => result.margin)),
    answered: results.every((result) => result.answer !== null),
    ...(scored.length === 0
      ? {}
      : { correct: scored.length === results.length && scored.every((result) => result.correct) }),
  };
}
