import { type AdaptiveDecision, adaptiveSummary, type PilotVerdict } from './adaptive-decision.js';
import type { RunAccounts } from './run-accounts.js';
import type { AdaptiveSummary, BatchSizeProbe, Item, ResolvedStrategy } from './types.js';

/** A settled pilot answer that a later window may ask again inside a larger batch. */
export interface ProbeAnchor {
  item: Item;
  tokens: number;
  answer: string;
}

/** A value one window settles and the others wait for (or fail with, if that window failed). */
class Settled<T> {
  readonly promise: Promise<T>;
  value: T | undefined;
  #resolve!: (value: T) => void;
  #reject!: (error: unknown) => void;
  #done = false;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // A run of one window never awaits it: the rejection must not go unobserved.
    this.promise.catch(() => {});
  }

  settle(value: T): void {
    if (this.#done) return;
    this.#done = true;
    this.value = value;
    this.#resolve(value);
  }

  fail(error: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#reject(error);
  }
}

/**
 * What the adaptive rule shares between windows: the first window's pilot decides, the second
 * window's probes settle the batch size, and the windows after wait for both, so a streamed run
 * decides once and applies the decision to every item that follows. It also keeps what the
 * summary reports; the accounts keep the stops.
 */
export class AdaptiveRun {
  readonly #decision = new Settled<AdaptiveDecision>();
  readonly #batchSize = new Settled<number>();
  #verdict: PilotVerdict | undefined;
  #pilotItems = 0;
  #probes: BatchSizeProbe[] = [];
  #growthSkipped: string | undefined;
  /**
   * Answers the batch-size probes ask again: the pilot's settled ones (sure and repeated) first,
   * then as many sure round-1 answers of the first window as the probes may need beside them.
   */
  anchors: ProbeAnchor[] = [];

  constructor(readonly strategy: ResolvedStrategy) {}

  /** The pilot's decision; windows after the first wait for it. */
  get decision(): Promise<AdaptiveDecision> {
    return this.#decision.promise;
  }

  /** The batch size the probes settled on; windows after the second wait for it. */
  get batchSize(): Promise<number> {
    return this.#batchSize.promise;
  }

  /** The first window's pilot decided. */
  decide(verdict: PilotVerdict, pilotItems: number, anchors: ProbeAnchor[]): void {
    this.#verdict = verdict;
    this.#pilotItems = pilotItems;
    this.anchors = anchors;
    if (verdict.decision) this.#decision.settle(verdict.decision);
  }

  /** A probe of a larger batch was asked and judged. */
  probed(probe: BatchSizeProbe): void {
    this.#probes.push(probe);
  }

  /** The second window's probes are done: `size` is the run's batch size from here on. */
  settleBatchSize(size: number, skipped?: string): void {
    if (skipped !== undefined) this.#growthSkipped = skipped;
    this.anchors = [];
    this.#batchSize.settle(size);
  }

  /** The window that was to settle the decision or the batch size failed: the others fail with it. */
  fail(error: unknown): void {
    this.#decision.fail(error);
    this.#batchSize.fail(error);
  }

  summary(accounts: RunAccounts): AdaptiveSummary {
    return adaptiveSummary(
      this.strategy,
      {
        verdict: this.#verdict,
        pilotItems: this.#pilotItems,
        probes: this.#probes,
        growthSkipped: this.#growthSkipped,
        finalBatchSize: this.#batchSize.value ?? this.strategy.batchSize,
      },
      {
        afterRound1: accounts.stops('pilot', 1),
        byUnsureCap: accounts.stops('unsure'),
        asFewLeft: accounts.stops('few'),
      },
    );
  }
}
