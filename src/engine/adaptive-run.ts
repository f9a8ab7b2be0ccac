import { type AdaptiveDecision, adaptiveSummary, type PilotVerdict } from './adaptive-decision.js';
import type { RunAccounts } from './run-accounts.js';
import type { AdaptiveSummary, BatchSizeProbe, ResolvedStrategy } from './types.js';

/**
 * What the adaptive rule shares between windows: the first window's pilot decides (whether the
 * model is stable, which strata stop after round 1, the batch size), and every later window waits
 * for that decision (or fails with the first window), so a streamed run decides once and applies
 * the decision to every item that follows. It also keeps what the summary reports; the accounts
 * keep the stops.
 */
export class AdaptiveRun {
  readonly decision: Promise<AdaptiveDecision>;
  #publish!: (decision: AdaptiveDecision) => void;
  #reject!: (error: unknown) => void;
  #published: AdaptiveDecision | undefined;
  #failed = false;
  #pilotTiming: AdaptiveSummary['pilotTiming'];
  #verdict: PilotVerdict | undefined;
  #pilotItems = 0;
  readonly #probes: BatchSizeProbe[] = [];
  #growthSkipped: string | undefined;

  constructor(readonly strategy: ResolvedStrategy) {
    this.decision = new Promise<AdaptiveDecision>((resolve, reject) => {
      this.#publish = resolve;
      this.#reject = reject;
    });
    // A run of one window never awaits it: the rejection must not go unobserved.
    this.decision.catch(() => {});
  }

  /** When the first window's pilot asks, for the summary. */
  recordPilotTiming(timing: NonNullable<AdaptiveSummary['pilotTiming']>): void {
    this.#pilotTiming = timing;
  }

  /** What the pilot found, for the summary. */
  recordPilot(verdict: PilotVerdict, pilotItems: number): void {
    this.#verdict = verdict;
    this.#pilotItems = pilotItems;
  }

  /** A larger batch size was tried, or not tried because it would not pay (`skipped` says why). */
  recordProbe(probe: BatchSizeProbe | undefined, skipped?: string): void {
    if (probe) this.#probes.push(probe);
    if (skipped !== undefined) this.#growthSkipped = skipped;
  }

  /** The first window's decision is final: the windows after it may go on. */
  publish(decision: AdaptiveDecision): void {
    if (this.#published || this.#failed) return;
    this.#published = decision;
    this.#publish(decision);
  }

  /** The first window failed before deciding: the windows waiting for it fail with it. */
  fail(error: unknown): void {
    if (this.#published || this.#failed) return;
    this.#failed = true;
    this.#reject(error);
  }

  summary(accounts: RunAccounts): AdaptiveSummary {
    return adaptiveSummary(
      this.strategy,
      {
        pilotTiming: this.#pilotTiming,
        verdict: this.#verdict,
        pilotItems: this.#pilotItems,
        probes: this.#probes,
        growthSkipped: this.#growthSkipped,
        finalBatchSize: this.#published?.batchSize ?? this.strategy.batchSize,
      },
      {
        afterRound1: accounts.stops('pilot', 1),
        byUnsureCap: accounts.stops('unsure'),
        asFewLeft: accounts.stops('few'),
      },
    );
  }
}
