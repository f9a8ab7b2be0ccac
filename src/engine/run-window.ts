import { answersMatch } from '../parse/answers-match.js';
import { type Answer, normalizeAnswer } from '../parse/normalize-answer.js';
import { BatchPromptError } from '../spec/errors.js';
import type { MultiOutputTask } from '../task/task-schema.js';
import { askCall, settleAll } from './ask-call.js';
import { assessSettlement } from './assess-settlement.js';
import type { ItemState } from './item-state.js';
import { outputsOutcome, settleOutputs } from './output-votes.js';
import {
  dueItems,
  nextStage,
  observeStage,
  type RunWindow,
  type Stage,
  startPlan,
  type WindowPlan,
} from './plan-stage.js';
import type { RunContext } from './run-context.js';
import { stoppingRules, stopReason } from './stop-condition.js';
import type { ItemResult } from './types.js';
import { decideVote } from './vote.js';

/**
 * Items leave while a condition of the run's stopping rule holds on their votes. A condition may
 * count the items due with an item (`peers`), so the check runs again until nobody leaves.
 */
function leave(context: RunContext, window: RunWindow, plan: WindowPlan): void {
  const conditions = stoppingRules[context.strategy.earlyStop](context.strategy, plan.decision);
  for (;;) {
    const next = dueItems(window);
    const due = next.round - 1;
    const peers = next.items.length;
    const staying: ItemState[] = [];
    for (const state of window.active) {
      if (state.rounds === 0) {
        staying.push(state);
        continue;
      }
      const history = { votes: state.votes, round: state.rounds, ...(state.rounds === due ? { peers } : {}) };
      const reason =
        context.task.outputs === undefined
          ? stopReason(conditions, history)
          : settleOutputs(state, context.task, conditions, history);
      if (reason === undefined) staying.push(state);
      else context.accounts.stopped(state.rounds, reason);
    }
    const left = window.active.length - staying.length;
    if (left === 0) return;
    window.active = staying;
    context.settle(left);
  }
}

/** Asks a stage's calls together; each item of the window in it goes through one more round. */
async function askStage(context: RunContext, stage: Stage): Promise<void> {
  const all = stage.calls.flat();
  const asked = all.filter((state) => state.index >= 0);
  context.enterRound(all.reduce((latest, state) => Math.max(latest, state.rounds + 1), 0));
  for (const state of asked) context.accounts.roundStarted(state.rounds + 1, 1);
  await settleAll(stage.calls.map((call) => askCall(context, call)));
  for (const state of asked) state.rounds += 1;
}

function finishItem(context: RunContext, state: ItemState): ItemResult {
  const { task } = context;
  if (task.outputs !== undefined) return finishOutputsItem(context, task, state);
  const outcome = decideVote(state.votes, context.strategy.voting);
  const status = outcome ? 'answered' : state.callFailed ? 'failed' : 'unanswered';
  const result: ItemResult = {
    index: state.index,
    id: state.item.id,
    answer: outcome?.answer ?? null,
    confidence: outcome ? Math.round(outcome.confidence * 1000) / 1000 : null,
    tally: outcome?.tally ?? {},
    ...assessSettlement(state.votes, context.strategy.voting),
    votes: state.votes,
    status,
    rounds: state.rounds,
  };
  if (!outcome) result.error = state.problems.join('; ') || 'no answer';
  else {
    // The worked solution behind the final answer: the earliest vote that gave it.
    const reasoning = state.votes.find((vote) => vote.answer === outcome.answer)?.reasoning;
    if (reasoning !== undefined) result.reasoning = reasoning;
  }
  if (state.item.gold !== undefined && state.item.gold !== null) {
    const gold: Answer | null = normalizeAnswer(task, state.item.gold) ?? null;
    result.gold = gold;
    result.correct = answersMatch(task, outcome?.answer, gold);
  }
  context.accounts.finished(result);
  return result;
}

/**
 * An item of a task with outputs: an answer per output (`outputs`), no single `answer`. It is
 * answered when every output is; otherwise its error names what the outputs without one met.
 */
function finishOutputsItem(context: RunContext, task: MultiOutputTask, state: ItemState): ItemResult {
  const { outputs, answered, correct, ...row } = outputsOutcome(state, task, context.strategy.voting);
  const result: ItemResult = {
    index: state.index,
    id: state.item.id,
    answer: null,
    ...row,
    tally: {},
    votes: state.votes,
    status: answered ? 'answered' : state.callFailed ? 'failed' : 'unanswered',
    rounds: state.rounds,
    outputs,
  };
  if (!answered) result.error = state.problems.join('; ') || 'no answer';
  if (correct !== undefined) result.correct = correct;
  context.accounts.finished(result);
  return result;
}

/**
 * The round loop every strategy runs, one window at a time: while items are still voting, ask the
 * calls the plan puts next (a whole round, or one pilot or probe call), then let every item go
 * whose stopping conditions hold. The conditions are the loop's only exit: the last round's are
 * `roundCountIs`. What the adaptive rule observes feeds its decision between stages.
 */
export async function runWindow(context: RunContext, window: RunWindow): Promise<ItemResult[]> {
  let plan = await startPlan(context, window);
  for (;;) {
    context.throwIfAborted();
    leave(context, window, plan);
    if (window.active.length === 0) break;
    const stage = nextStage(context, window, plan);
    // A plan that asks nothing while items still vote would loop for ever: a bug, said at once.
    if (stage.calls.length === 0)
      throw new BatchPromptError('The round plan asked nothing while items were still voting');
    await askStage(context, stage);
    plan = observeStage(context, window, plan, stage);
  }
  return window.items.map((state) => finishItem(context, state));
}
