import type { AdaptiveSummary, ResolvedStrategy } from './types.js';

/** What the pilot decided, for every window of the run. */
export interface AdaptiveDecision {
  /** Whether an item outside the pilot stops after round 1, by its round-1 tag. */
  stopsAfterRound1: { sure: boolean; unsure: boolean };
  /** The batch size of every round after the pilot. */
  batchSize: number;
}

/**
 * The state the adaptive rule shares between windows: the first window runs the pilot and
 * publishes its decision; later windows wait for it (and fail with it if the pilot failed), so a
 * streamed run decides once and applies the decision to every item that follows.
 */
export class AdaptiveRun {
  readonly summary: AdaptiveSummary;
  readonly decision: Promise<AdaptiveDecision>;
  #resolve!: (decision: AdaptiveDecision) => void;
  #reject!: (error: unknown) => void;
  #settled = false;

  constructor(strategy: ResolvedStrategy) {
    this.summary = {
      pilotItems: 0,
      confidence: strategy.adaptive.confidence,
      strata: [],
      decision: 'no pilot yet',
      startBatchSize: strategy.batchSize,
      finalBatchSize: strategy.batchSize,
      probes: [],
      stoppedAfterRound1: 0,
      stoppedByUnsureCap: 0,
    };
    this.decision = new Promise<AdaptiveDecision>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // A window that never awaits the decision (a run of one window) must not leave it unobserved.
    this.decision.catch(() => {});
  }

  decide(decision: AdaptiveDecision): void {
    if (this.#settled) return;
    this.#settled = true;
    this.summary.finalBatchSize = decision.batchSize;
    this.#resolve(decision);
  }

  fail(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(error);
  }
}
