import { type MoveCount, type SequentialEvidence, sequentialChangeTest } from './sequential-change-test.js';
import type {
  AdaptiveSummary,
  BatchSizeProbe,
  ResolvedAdaptiveOptions,
  ResolvedStrategy,
  StratumFigures,
} from './types.js';
import type { Vote } from './vote.js';
import { wilsonLowerBound, wilsonUpperBound } from './wilson-upper-bound.js';

/** What the adaptive rule decided, for every window of the run; the stop conditions apply it. */
export interface AdaptiveDecision {
  /** False when the pilot found the model order-dependent (or could not tell): SEAS then runs. */
  stable: boolean;
  /** Whether an item outside the pilot stops after round 1, by its round-1 tag. */
  stopsAfterRound1: { sure: boolean; unsure: boolean };
  /** Items per call from here on; a round-1 answer from a larger call proves nothing. */
  batchSize: number;
}

/** What the pilot observed: its items' answers, in the order it asked them. */
export interface PilotObservation {
  pilot: readonly { votes: readonly Vote[] }[];
  /** True once the pilot has nothing more to ask (every call of round 2 asked). */
  complete: boolean;
}

/** The pilot's verdict: the decision once it can be made, and the figures it came from. */
export interface PilotVerdict {
  /** Undefined while the sequential test wants more answers and the pilot has more to ask. */
  decision: AdaptiveDecision | undefined;
  strata: StratumFigures[];
  test: SequentialEvidence | undefined;
  /** Why the run goes on as it does, in a sentence. */
  text: string;
}

interface StratumCount extends MoveCount {
  /** Of `items`, those whose round-2 label differs from round 1's. */
  changed: number;
}

/**
 * Pilot items whose round-1 answer had the given tag and that have a vote in round 2: how many
 * changed label, and how many moved (changed label or tag).
 */
function countChanges(pilot: PilotObservation['pilot'], sure: boolean): StratumCount {
  let items = 0;
  let changed = 0;
  let moved = 0;
  for (const { votes } of pilot) {
    const first = votes.find((vote) => vote.round === 1);
    const second = votes.find((vote) => vote.round === 2);
    if (!first || !second || first.confident !== sure) continue;
    items += 1;
    const labelChanged = String(first.answer) !== String(second.answer);
    if (labelChanged) changed += 1;
    if (labelChanged || first.confident !== second.confident) moved += 1;
  }
  return { items, changed, moved };
}

function testPilotAnswers(pilot: PilotObservation['pilot'], options: ResolvedAdaptiveOptions) {
  return sequentialChangeTest(
    { sure: countChanges(pilot, true), unsure: countChanges(pilot, false) },
    {
      stableRate: options.stableChangeRate,
      unstableRate: options.orderDependentChangeRate,
      risk: options.risk,
    },
  );
}

/**
 * The pilot's figures by round-1 tag, and which strata stop after round 1. Both stop only when
 * the sequential test calls the model stable. Unsure answers of a stable model then stop too,
 * unless their labels clearly change: the Wilson lower bound of their label-change rate above
 * `unsureChangeLimit` keeps them voting. The burden of proof is on changing, since a pilot holds
 * a handful of unsure answers, and on a stable model another round of an unsure answer mostly
 * repeats it.
 */
function measureStrata(pilot: PilotObservation['pilot'], options: ResolvedAdaptiveOptions, stable: boolean) {
  return (['sure', 'unsure'] as const).map((stratum): StratumFigures => {
    const { items, changed, moved } = countChanges(pilot, stratum === 'sure');
    const lowerBound = wilsonLowerBound(changed, items, options.confidence);
    return {
      stratum,
      items,
      changed,
      moved,
      changeRate: items === 0 ? 0 : changed / items,
      upperBound: wilsonUpperBound(changed, items, options.confidence),
      lowerBound,
      ...(stratum === 'unsure' ? { limit: options.unsureChangeLimit } : {}),
      stopsAfterRound1: stratum === 'sure' ? stable : stable && lowerBound <= options.unsureChangeLimit,
    };
  });
}

function describeStratum(stratum: StratumFigures): string {
  const verdict = stratum.stopsAfterRound1 ? 'stop after round 1' : 'go on under SEAS';
  const moves = `${stratum.changed}/${stratum.items} changed label, ${stratum.moved}/${stratum.items} moved`;
  const bound =
    stratum.limit === undefined
      ? ''
      : `, label-change lower bound ${(stratum.lowerBound * 100).toFixed(1)}% vs limit ${(stratum.limit * 100).toFixed(1)}%`;
  return `${stratum.stratum} answers ${verdict} (${moves}${bound})`;
}

/**
 * What the pilot's answers so far decide. The sequential test weighs how the pilot's answers
 * moved between rounds 1 and 2; while it is undecided and the pilot can ask more, there is no
 * decision yet. An order-dependent model, or one still undecided when the pilot has asked all it
 * could, runs as SEAS would; for a stable one, the strata stop as `measureStrata` says.
 */
export function decidePilot(observation: PilotObservation, strategy: ResolvedStrategy): PilotVerdict {
  const batchSize = strategy.batchSize;
  if (strategy.rounds < 2) {
    return {
      decision: { stable: true, stopsAfterRound1: { sure: true, unsure: true }, batchSize },
      strata: [],
      test: undefined,
      text: 'one round allowed: no pilot, every item gets one answer',
    };
  }
  const test = testPilotAnswers(observation.pilot, strategy.adaptive);
  if (test.verdict === 'undecided' && !observation.complete) {
    return { decision: undefined, strata: [], test, text: 'no pilot yet' };
  }
  const stable = test.verdict === 'stable';
  const strata = measureStrata(observation.pilot, strategy.adaptive, stable);
  const when = stable || !observation.complete ? '' : ' when round 2 was complete';
  return {
    decision: {
      stable,
      stopsAfterRound1: { sure: strata[0]!.stopsAfterRound1, unsure: strata[1]!.stopsAfterRound1 },
      batchSize,
    },
    strata,
    test,
    text: `sequential test ${test.verdict}${when}: ${strata.map(describeStratum).join('; ')}`,
  };
}

/**
 * A larger batch size asked with anchors (answers already settled, asked again among new items):
 * kept while the Wilson upper bound of the anchors' disagreement is within `probeDisagreementLimit`.
 */
export function judgeProbe(
  probe: { batchSize: number; anchors: number; agreed: number },
  options: ResolvedAdaptiveOptions,
): BatchSizeProbe {
  const disagreementUpperBound = wilsonUpperBound(
    probe.anchors - probe.agreed,
    probe.anchors,
    options.confidence,
  );
  return {
    ...probe,
    disagreementUpperBound,
    limit: options.probeDisagreementLimit,
    accepted: probe.anchors > 0 && disagreementUpperBound <= options.probeDisagreementLimit,
  };
}

/**
 * The size the first window's pilot asked its answers again at, among new items of round 1 (on a
 * data set too small for a probe with anchors to pay). The pilot's sequential test already weighed
 * how those answers moved at that size; the size is kept when it called the model stable and the
 * answers do not clearly change label there: the Wilson lower bound of their label disagreement
 * is within `probeDisagreementLimit`. The burden of proof is on changing, as for unsure answers,
 * since the pilot asks fewer answers again than a probe's anchors: this is why the pilot's size
 * is capped near where published work sees answers degrade, and larger sizes are left to probes.
 */
export function judgePilotSize(
  probe: { batchSize: number; anchors: number; agreed: number },
  stable: boolean,
  options: ResolvedAdaptiveOptions,
): BatchSizeProbe {
  const disagreed = probe.anchors - probe.agreed;
  return {
    ...probe,
    disagreementUpperBound: wilsonUpperBound(disagreed, probe.anchors, options.confidence),
    limit: options.probeDisagreementLimit,
    accepted:
      stable &&
      probe.anchors > 0 &&
      wilsonLowerBound(disagreed, probe.anchors, options.confidence) <= options.probeDisagreementLimit,
    askedBy: 'pilot',
  };
}

/** The batch size the probes allow: each accepted size in turn, until the first rejected one. */
export function probedBatchSize(startSize: number, probes: readonly BatchSizeProbe[]): number {
  let size = startSize;
  for (const probe of probes) {
    if (!probe.accepted) break;
    size = probe.batchSize;
  }
  return size;
}

/** Everything the adaptive summary reports, as the run recorded it. */
export interface AdaptiveRecord {
  pilotTiming: AdaptiveSummary['pilotTiming'];
  verdict: PilotVerdict | undefined;
  pilotItems: number;
  probes: readonly BatchSizeProbe[];
  growthSkipped: string | undefined;
  finalBatchSize: number;
}

/** Items that stopped by the adaptive rule's conditions, from the run's accounts. */
export interface AdaptiveStops {
  afterRound1: number;
  byUnsureCap: number;
  asFewLeft: number;
}

/** The adaptive rule's summary, built here alone from what the run recorded and counted. */
export function adaptiveSummary(
  strategy: ResolvedStrategy,
  record: AdaptiveRecord,
  stops: AdaptiveStops,
): AdaptiveSummary {
  const { verdict } = record;
  return {
    ...(record.pilotTiming === undefined ? {} : { pilotTiming: record.pilotTiming }),
    pilotItems: record.pilotItems,
    confidence: strategy.adaptive.confidence,
    strata: verdict?.strata ?? [],
    ...(verdict?.test === undefined || verdict.decision === undefined ? {} : { test: verdict.test }),
    decision: verdict?.decision === undefined ? 'no pilot yet' : verdict.text,
    startBatchSize: strategy.batchSize,
    finalBatchSize: record.finalBatchSize,
    probes: [...record.probes],
    ...(record.growthSkipped === undefined ? {} : { growthSkipped: record.growthSkipped }),
    stoppedAfterRound1: stops.afterRound1,
    stoppedByUnsureCap: stops.byUnsureCap,
    stoppedAsFewLeft: stops.asFewLeft,
  };
}
