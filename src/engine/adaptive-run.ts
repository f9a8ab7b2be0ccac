import type { AdaptiveSummary, Item, ResolvedStrategy } from './types.js';

/** A settled pilot answer that a later window may ask again inside a larger batch. */
export interface ProbeAnchor {
  item: Item;
  tokens: number;
  answer: string;
}

/** What the pilot decided, for every window of the run. */
export interface AdaptiveDecision {
  /** Whether an item outside the pilot stops after round 1, by its round-1 tag. */
  stopsAfterRound1: { sure: boolean; unsure: boolean };
  /** False when the pilot found the model order-dependent: every item then runs as under SEAS. */
  stable: boolean;
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
  /**
   * Answers the batch-size probes of the second window ask again: the pilot's settled ones (sure
   * and repeated) first, then as many sure round-1 answers of the first window as the probes may
   * need beside them, in the order the probes take them.
   */
  anchors: ProbeAnchor[] = [];
  #batchSize: Promise<number> | undefined;

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
      stoppedAsFewLeft: 0,
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
    this.#resolve(decision);
  }

  /**
   * The batch size of the windows after the first: the first caller (the second window) runs
   * `probe`, which may try larger batches on its own items; every later window waits for it.
   */
  batchSize(probe: () => Promise<number>): Promise<number> {
    this.#batchSize ??= probe().then((size) => {
      this.summary.finalBatchSize = size;
      this.anchors = [];
      return size;
    });
    return this.#batchSize;
  }

  fail(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(error);
  }
}
