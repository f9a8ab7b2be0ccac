import type { StopReason } from './stop-condition.js';
import type { CallRecord, ItemResult, Progress, RoundSummary, RunSummary } from './types.js';

/** The totals of a run that its summary reports, as `RunAccounts` keeps them. */
export type AccountTotals = Pick<
  RunSummary,
  | 'items'
  | 'answered'
  | 'unanswered'
  | 'failed'
  | 'calls'
  | 'failedCalls'
  | 'reasks'
  | 'inputTokens'
  | 'outputTokens'
  | 'cachedInputTokens'
  | 'usageEstimated'
  | 'rounds'
  | 'scored'
  | 'accuracy'
  | 'roundsPerItem'
> & { replayedCalls: number; replayedInputTokens: number; replayedOutputTokens: number };

/**
 * Every count of a run in one place: calls and their tokens (in all and per round, replayed from
 * the store or not), items by outcome, rounds per item, items stopped by the condition that stopped
 * them, and the scored answers. The engine only reports events to it (a call made, an item asked
 * in a round, an item stopped, an item finished); nothing else adds to a total, so the summary,
 * the progress line and the per-round table cannot disagree.
 */
export class RunAccounts {
  #items = 0;
  #answered = 0;
  #unanswered = 0;
  #failed = 0;
  #calls = 0;
  #failedCalls = 0;
  #reasks = 0;
  #inputTokens = 0;
  #outputTokens = 0;
  #cachedInputTokens = 0;
  #usageEstimated = false;
  #replayedCalls = 0;
  #replayedInputTokens = 0;
  #replayedOutputTokens = 0;
  #scored = 0;
  #correct = 0;
  #itemRounds = 0;
  #settled = 0;
  #currentRound = 0;
  readonly #rounds = new Map<number, RoundSummary>();
  /** Items stopped, by the condition that stopped them and the round after which they left. */
  readonly #stops = new Map<StopReason, Map<number, number>>();

  #round(round: number): RoundSummary {
    let summary = this.#rounds.get(round);
    if (!summary) {
      summary = { round, activeItems: 0, calls: 0, inputTokens: 0, outputTokens: 0, stopped: 0 };
      this.#rounds.set(round, summary);
    }
    return summary;
  }

  /** A call that got a reply (or failed outright: counted apart, with no tokens). */
  call(call: CallRecord, replayed: boolean): void {
    if (call.finishReason === 'failed') {
      this.#failedCalls += 1;
      return;
    }
    this.#calls += 1;
    if (call.attempt > 0) this.#reasks += 1;
    this.#inputTokens += call.inputTokens;
    this.#outputTokens += call.outputTokens;
    this.#cachedInputTokens += call.cachedInputTokens;
    this.#usageEstimated ||= call.estimated;
    if (replayed) {
      this.#replayedCalls += 1;
      this.#replayedInputTokens += call.inputTokens;
      this.#replayedOutputTokens += call.outputTokens;
    }
    const round = this.#round(call.round);
    round.calls += 1;
    round.inputTokens += call.inputTokens;
    round.outputTokens += call.outputTokens;
  }

  /** `items` items start round `round`. */
  roundStarted(round: number, items: number): void {
    if (items > 0) this.#round(round).activeItems += items;
  }

  /**
   * An item leaves after round `round` because `reason` held. Only a stop before the last round
   * counts as a round's early stop (`rounds` is the last round's condition).
   */
  stopped(round: number, reason: StopReason): void {
    const byRound = this.#stops.get(reason) ?? new Map<number, number>();
    byRound.set(round, (byRound.get(round) ?? 0) + 1);
    this.#stops.set(reason, byRound);
    if (reason !== 'rounds') this.#round(round).stopped += 1;
  }

  /** Items stopped by `reason`, after `round` or after any round. */
  stops(reason: StopReason, round?: number): number {
    const byRound = this.#stops.get(reason);
    if (byRound === undefined) return 0;
    if (round !== undefined) return byRound.get(round) ?? 0;
    let total = 0;
    for (const count of byRound.values()) total += count;
    return total;
  }

  /** `items` items have their final answer (they left, or went through the last round). */
  settled(items: number): boolean {
    if (items <= 0) return false;
    this.#settled += items;
    return true;
  }

  /** A round starts being asked; true when it is later than any before. */
  enteredRound(round: number): boolean {
    if (round <= this.#currentRound) return false;
    this.#currentRound = round;
    return true;
  }

  /** An item's final result. */
  finished(result: ItemResult): void {
    this.#items += 1;
    this.#itemRounds += result.rounds;
    if (result.status === 'answered') this.#answered += 1;
    else if (result.status === 'failed') this.#failed += 1;
    else this.#unanswered += 1;
    if (result.correct !== undefined) {
      this.#scored += 1;
      if (result.correct) this.#correct += 1;
    }
  }

  progress(maxRounds: number, itemsTotal: number | undefined): Progress {
    return {
      itemsDone: this.#items,
      itemsSettled: this.#settled,
      round: this.#currentRound,
      maxRounds,
      calls: this.#calls,
      inputTokens: this.#inputTokens,
      outputTokens: this.#outputTokens,
      failedCalls: this.#failedCalls,
      ...(itemsTotal === undefined ? {} : { itemsTotal }),
    };
  }

  totals(): AccountTotals {
    return {
      items: this.#items,
      answered: this.#answered,
      unanswered: this.#unanswered,
      failed: this.#failed,
      calls: this.#calls,
      failedCalls: this.#failedCalls,
      reasks: this.#reasks,
      inputTokens: this.#inputTokens,
      outputTokens: this.#outputTokens,
      cachedInputTokens: this.#cachedInputTokens,
      usageEstimated: this.#usageEstimated,
      replayedCalls: this.#replayedCalls,
      replayedInputTokens: this.#replayedInputTokens,
      replayedOutputTokens: this.#replayedOutputTokens,
      rounds: [...this.#rounds.values()]
        .sort((left, right) => left.round - right.round)
        .map((round) => ({ ...round })),
      scored: this.#scored,
      ...(this.#scored > 0 ? { accuracy: this.#correct / this.#scored } : {}),
      roundsPerItem: this.#items === 0 ? 0 : this.#itemRounds / this.#items,
    };
  }
}
