import { parseOutputsReply } from '../parse/parse-outputs-reply.js';
import { parseReply, type ReplyIssue } from '../parse/parse-reply.js';
import { type OutputFormat, type RenderedBatch, renderBatch } from '../prompt/render-batch.js';
import type { ChatModel } from '../spec/chat-model.js';
import { AbortError, BatchPromptError, isAbortError, StoreError } from '../spec/errors.js';
import type { SingleOutputTask, Task } from '../task/task-schema.js';
import type { ItemState } from './item-state.js';
import { outputsOfCall } from './output-votes.js';
import { failedCallPlan, failureCause, reaskPlan } from './reask-plan.js';
import { recordOutputVotes } from './record-output-votes.js';
import type { RunContext } from './run-context.js';
import { batchTag } from './seeded-random.js';

function halves<T>(entries: readonly T[]): T[][] {
  const middle = Math.ceil(entries.length / 2);
  return [entries.slice(0, middle), entries.slice(middle)].filter((half) => half.length > 0);
}

/**
 * Waits for every task, then rethrows the first failure. Unlike `Promise.all`, nothing is still
 * running when the run stops: a reply already paid for reaches the cache before the store closes.
 */
export async function settleAll(tasks: readonly Promise<unknown>[]): Promise<void> {
  const outcomes = await Promise.allSettled(tasks);
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The round of a call: its items' lowest (an item is asked in the round after those it went through). */
export function callRound(call: readonly ItemState[]): number {
  return Math.min(...call.map((state) => state.rounds + 1));
}

/**
 * A call's batch code, from what the call is: the seed, the store's secret, its round and attempt
 * and its items' ids in order. The same call gets the same code whenever it is asked (so a resumed
 * run sends the same request), and calls with other items get other codes.
 */
function callCode(context: RunContext, call: readonly ItemState[], round: number, attempt: number): string {
  const identity = [context.strategy.seed, round, attempt, ...call.map((state) => state.item.id)];
  const secret = context.options.tagSecret;
  return secret === undefined ? batchTag(...identity) : batchTag('secret', secret, ...identity);
}

/** How one attempt is asked: the run's format at first, and what a re-ask changes. */
interface AttemptShape {
  format: OutputFormat;
  /** Why the last reply was not usable, shown to the model in a re-ask. */
  reaskReason?: string;
  /** Attempts on top of `maxReasks`: one per whole re-ask after a numbering fault (`ReaskPlan.extraAttempt`). */
  extraAttempts?: number;
}

/**
 * Asks one call and gives each of its items the vote its reply holds for it (in the round after
 * those the item went through), matched by index and batch code. Items the reply left without an
 * answer are asked again as `reaskPlan` says, a failed call as `failedCallPlan` says.
 */
export async function askCall(
  context: RunContext,
  call: ItemState[],
  attempt = 0,
  shape: AttemptShape = { format: context.replyFormat.current },
): Promise<void> {
  context.throwIfAborted();
  const { strategy, task } = context;
  const round = callRound(call);
  const tag = callCode(context, call, round, attempt);
  const includeExamples =
    strategy.examples === 'every-call' || (strategy.examples === 'first-round' && round === 1);
  const rendered = renderBatch(
    task,
    call.map((state) => state.item),
    {
      format: shape.format,
      tag,
      includeExamples,
      ...(shape.reaskReason === undefined ? {} : { reaskReason: shape.reaskReason }),
      // A task with outputs: the outputs its items still need this round (a re-ask asks fewer).
      ...(task.outputs === undefined ? {} : { outputs: outputsOfCall(call, task) }),
    },
  );

  let reply: Awaited<ReturnType<ChatModel['generate']>>;
  try {
    reply = await context.model.generate({
      messages: rendered.messages,
      responseFormat: rendered.responseFormat,
      maxOutputTokens: rendered.expectedCount * context.tokensPerAnswer(shape.format) + 48,
      temperature: strategy.temperature,
      seed: strategy.seed,
      signal: context.callSignal,
      usable: (result) => holdsAnswer(task, rendered, result.text),
    });
  } catch (error) {
    await afterFailure(context, call, attempt, shape, error);
    return;
  }

  context.recordCall(
    {
      round,
      attempt,
      items: call.length,
      inputTokens: reply.usage.inputTokens,
      outputTokens: reply.usage.outputTokens,
      cachedInputTokens: reply.usage.cachedInputTokens ?? 0,
      estimated: reply.usage.estimated ?? false,
      finishReason: reply.finishReason,
    },
    reply.cached ?? false,
  );

  const truncated = reply.finishReason === 'length';
  const maxReasks = strategy.maxReasks + (shape.extraAttempts ?? 0);
  const canRetry = attempt < maxReasks;
  const { missing, issue } =
    task.outputs === undefined
      ? recordVotes(task, call, rendered, reply.text, truncated, canRetry)
      : recordOutputVotes({ task, call, rendered, text: reply.text, truncated, canRetry });
  context.observeReply({ format: rendered.format, issue: issue?.kind, truncated });
  // Re-ask only the items that got no usable answer, and never with the prompt that just failed.
  const plan = reaskPlan({
    batchSize: call.length,
    missing: missing.length,
    format: shape.format,
    issue,
    truncated,
    attempt,
    maxReasks,
    supportsJsonSchema: context.model.supportsJsonSchema,
  });
  if (plan === undefined) return;
  const parts = plan.parts === 2 ? halves(missing) : [missing];
  // After the run left lines for JSON, a re-ask that keeps its format is asked in JSON too.
  const switched = context.replyFormat.switched !== undefined && plan.format === shape.format;
  const next: AttemptShape = {
    format: switched ? context.replyFormat.current : plan.format,
    reaskReason: plan.reason,
    extraAttempts: (shape.extraAttempts ?? 0) + (plan.extraAttempt ? 1 : 0),
  };
  await settleAll(parts.map((part) => askCall(context, part, attempt + 1, next)));
}

/**
 * Whether a reply gives at least one item of its batch an answer (for a task with outputs, one
 * output): the request ledger's breaker counts replies that give none, so a model that keeps
 * answering with no answer at all stops the run instead of being re-asked in every round.
 */
function holdsAnswer(task: Task, rendered: RenderedBatch, text: string): boolean {
  const options = { format: rendered.format, expectedCount: rendered.expectedCount, tag: rendered.tag };
  if (task.outputs !== undefined) {
    const parsed = parseOutputsReply(task, text, {
      ...options,
      ...(rendered.outputs === undefined ? {} : { outputs: rendered.outputs }),
    });
    return parsed.items.some((item) => item.answers.size > 0);
  }
  return parseReply(task, text, { ...options, reasoning: task.reasoning }).answers.some(
    (answer) => answer !== undefined,
  );
}

/** Gives each item of a call the vote its reply holds for it; returns the items left without one. */
function recordVotes(
  task: SingleOutputTask,
  call: readonly ItemState[],
  rendered: RenderedBatch,
  text: string,
  truncated: boolean,
  canRetry: boolean,
): { missing: ItemState[]; issue: ReplyIssue | undefined } {
  const { tag } = rendered;
  const parsed = parseReply(task, text, {
    format: rendered.format,
    expectedCount: rendered.expectedCount,
    tag,
    reasoning: task.reasoning,
    truncated,
  });
  const missing: ItemState[] = [];
  const problemByIndex = new Map(parsed.problems.map((problem) => [problem.index, problem]));
  call.forEach((state, position) => {
    const answer = parsed.answers[position];
    if (answer) {
      const reasoning = parsed.reasoning?.get(position);
      state.votes.push({
        round: state.rounds + 1,
        answer: answer.answer,
        confident: answer.confident,
        position,
        batchSize: call.length,
        ...(reasoning === undefined ? {} : { reasoning }),
        batch: tag,
      });
      return;
    }
    missing.push(state);
    if (!canRetry) {
      const problem = problemByIndex.get(position);
      const cutOff = truncated ? ' (reply cut off at the output limit)' : '';
      state.problems.push(
        `round ${state.rounds + 1}: ${problem?.kind ?? 'missing'}: ${problem?.detail ?? 'no answer'}${cutOff}`,
      );
    }
  });
  return { missing, issue: parsed.issue };
}

/** A call that got no reply: the run stops, or the call is split, asked again, or its items recorded failed. */
async function afterFailure(
  context: RunContext,
  call: ItemState[],
  attempt: number,
  shape: AttemptShape,
  error: unknown,
): Promise<void> {
  // Another call stopped the run: this one was abandoned with it.
  if (context.fatalError) throw context.fatalError;
  const { signal } = context.options;
  if (signal?.aborted || isAbortError(error)) {
    // The caller's reason, as fetch gives it: a session's RunStop says why, not the call's own abort.
    throw new AbortError('The run was aborted', { cause: signal?.aborted ? signal.reason : error });
  }
  // The store could not keep a reply: the model call did not fail, so no item is marked failed;
  // the run stops before paying for more.
  const cause = failureCause(error);
  if (StoreError.isInstance(cause)) throw cause;
  const action = failedCallPlan({
    error,
    batchSize: call.length,
    attempt,
    maxReasks: context.strategy.maxReasks + (shape.extraAttempts ?? 0),
  });
  // A refused key, a missing model or a closed port fails every call alike, and so does a model
  // that says the run's input is wrong (the simulator given no gold answer): the run stops
  // rather than record each item failed, split the batch and ask again in every round.
  if (action === 'stop') {
    throw context.stop(
      BatchPromptError.isInstance(cause) ? cause : new BatchPromptError(describeError(cause), { cause }),
    );
  }
  const reason = describeError(error);
  context.recordCall(
    {
      round: callRound(call),
      attempt,
      items: call.length,
      inputTokens: 0,
      outputTokens: 0,
      cachedInputTokens: 0,
      estimated: false,
      finishReason: 'failed',
      error: reason,
    },
    false,
  );
  if (action === 'split' || action === 'again') {
    const parts = action === 'split' ? halves(call) : [call];
    await settleAll(
      parts.map((part) =>
        askCall(context, part, attempt + 1, {
          format: shape.format,
          extraAttempts: shape.extraAttempts ?? 0,
        }),
      ),
    );
    return;
  }
  for (const state of call) {
    state.callFailed = true;
    state.problems.push(`round ${state.rounds + 1}: call failed: ${reason}`);
  }
}
