import { setMaxListeners } from 'node:events';
import {
  observeReply,
  type ReplyFormatState,
  type ReplyObservation,
  startReplyFormat,
  summarizeReplyFormat,
} from '../parse/reply-format-rule.js';
import { type OutputFormat, renderBatch } from '../prompt/render-batch.js';
import { longestOutputsAnswer } from '../prompt/render-outputs.js';
import type { ChatModel } from '../spec/chat-model.js';
import { countMessageTokens, countTokens } from '../spec/count-tokens.js';
import { AbortError, type BatchPromptError } from '../spec/errors.js';
import type { Task } from '../task/task-schema.js';
import { AdaptiveRun } from './adaptive-run.js';
import type { ItemState } from './item-state.js';
import { RunAccounts } from './run-accounts.js';
import type { BatchPromptOptions, CallRecord, ResolvedStrategy, RunSummary } from './types.js';

/** The summary of a run, with the calls the response cache replayed. */
export type StreamSummary = RunSummary & {
  replayedCalls: number;
  replayedInputTokens: number;
  replayedOutputTokens: number;
};

/**
 * Output tokens allowed per item for its worked solution, on top of its answer line. GSM8K's
 * reference solutions take 76 tokens on average (o200k), 184 at the 99th percentile and 235 at
 * most; models write somewhat more than the references, and the simulator's solutions take 40 to
 * 160 (see BENCHMARKS.md). 320 leaves room for the long tail; a block past it is cut off and its
 * item re-asked.
 */
export const reasoningTokensPerItem = 320;

/**
 * The output cap per answer. It is sized for the wordier `Input 12 (code): label (unsure)` that
 * models often write instead of the compact line asked for, so a model that adds those words is
 * not cut off; the cap is a ceiling, and only the tokens really generated are paid for. A task
 * with reasoning adds the worked solution's allowance and its block header.
 */
function estimateTokensPerAnswer(task: Task, format: OutputFormat): number {
  if (task.outputs !== undefined) return countTokens(longestOutputsAnswer(task, format)) + 2;
  const longest =
    task.answer.type === 'labels'
      ? task.answer.labels.reduce(
          (best, label) => (label.value.length > best.length ? label.value : best),
          '',
        )
      : task.answer.type === 'number'
        ? '-1234567.89'
        : 'word '.repeat(task.answer.maxWords);
  const line =
    format === 'json'
      ? `{"id": 9999, "code": "abcd", "answer": ${JSON.stringify(longest)}, "confident": false},`
      : `Input 9999 (abcd): ${longest} (unsure)`;
  const reasoning = task.reasoning
    ? countTokens(format === 'json' ? '"reasoning": "",' : 'Reasoning 9999 (abcd):\n\n') +
      reasoningTokensPerItem
    : 0;
  return countTokens(line) + 2 + reasoning;
}

/**
 * One run: its options and resolved strategy, the signal its calls are made with, the accounts,
 * and the adaptive rule's run-wide state. Every count of the run goes through it.
 */
export class RunContext {
  readonly startedAt = Date.now();
  readonly accounts = new RunAccounts();
  readonly adaptive: AdaptiveRun;
  /** Set when the endpoint refused the run: no call starts after it, and the run throws it. */
  fatalError: BatchPromptError | undefined;
  /** Aborts the calls still waiting or in flight: on the caller's abort, or on a fatal error. */
  readonly #calls = new AbortController();
  readonly #onCallerAbort = () => this.#calls.abort(this.options.signal?.reason);
  readonly #tokensPerAnswer = new Map<OutputFormat, number>();
  /** The format new calls are asked in, and what line replies showed so far (`reply-format-rule.ts`). */
  replyFormat: ReplyFormatState;

  constructor(
    readonly options: BatchPromptOptions,
    readonly strategy: ResolvedStrategy,
  ) {
    this.adaptive = new AdaptiveRun(strategy);
    const given = options.resolvedStrategy?.format ?? options.format ?? 'auto';
    this.replyFormat = startReplyFormat(strategy.format, given === 'auto' ? 'auto' : 'given', options.model);
    // Every call waiting for a scheduler slot listens on this signal until it starts; a long queue
    // is expected and its listeners go when the calls do, so Node's leak warning at 10 is noise.
    setMaxListeners(0, this.#calls.signal);
    if (options.signal?.aborted) this.#calls.abort(options.signal.reason);
    else options.signal?.addEventListener('abort', this.#onCallerAbort, { once: true });
  }

  /** The signal every call of the run is made with. */
  get callSignal(): AbortSignal {
    return this.#calls.signal;
  }

  get task(): Task {
    return this.options.task;
  }

  get model(): ChatModel {
    return this.options.model;
  }

  /** Stops the run for good: later calls are not made, waiting ones are abandoned. */
  stop(error: BatchPromptError): BatchPromptError {
    this.fatalError ??= error;
    this.#calls.abort(this.fatalError);
    return this.fatalError;
  }

  dispose(): void {
    this.options.signal?.removeEventListener('abort', this.#onCallerAbort);
  }

  throwIfAborted(): void {
    if (this.options.signal?.aborted)
      throw new AbortError('The run was aborted', { cause: this.options.signal.reason });
    if (this.fatalError) throw this.fatalError;
  }

  /** The output cap per answer in a format (a re-ask may change the format). */
  tokensPerAnswer(format: OutputFormat): number {
    let tokens = this.#tokensPerAnswer.get(format);
    if (tokens === undefined) {
      tokens = estimateTokensPerAnswer(this.task, format);
      this.#tokensPerAnswer.set(format, tokens);
    }
    return tokens;
  }

  /** Prompt tokens of a round-1 call besides its items, measured on a one-item batch. */
  fixedTokensPerCall(sample: ItemState | undefined): number {
    if (sample === undefined) return 0;
    const rendered = renderBatch(this.task, [sample.item], {
      format: this.strategy.format,
      tag: 'abcd',
      includeExamples: this.strategy.examples !== 'none',
    });
    return Math.max(0, countMessageTokens(rendered.messages) - sample.tokens);
  }

  /** A reply was read: line replies that keep failing as lines switch an `auto` run to JSON. */
  observeReply(reply: ReplyObservation): void {
    this.replyFormat = observeReply(this.replyFormat, reply);
  }

  recordCall(call: CallRecord, replayed: boolean): void {
    this.accounts.call(call, replayed);
    this.options.onCall?.(call);
    this.reportProgress();
  }

  reportProgress(): void {
    this.options.onProgress?.(this.accounts.progress(this.strategy.rounds, this.options.itemsTotal));
  }

  /** Counts items whose final answer is known, and tells the progress listener. */
  settle(items: number): void {
    if (this.accounts.settled(items)) this.reportProgress();
  }

  /** A round starts being asked: progress shows it from its first call on. */
  enterRound(round: number): void {
    if (this.accounts.enteredRound(round)) this.reportProgress();
  }

  summary(): StreamSummary {
    return {
      model: this.model.id,
      simulated: this.model.simulated,
      task: this.task.name,
      strategy: this.strategy,
      replyFormat: summarizeReplyFormat(this.replyFormat),
      ...this.accounts.totals(),
      ...(this.strategy.earlyStop === 'adaptive' ? { adaptive: this.adaptive.summary(this.accounts) } : {}),
      wallMs: Date.now() - this.startedAt,
    };
  }
}
