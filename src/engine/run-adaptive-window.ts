import type { AdaptiveDecision, AdaptiveRun } from './adaptive-run.js';
import type { ItemState } from './item-state.js';
import { measurePilotStrata } from './measure-pilot-strata.js';
import { hashSeed, shuffled } from './seeded-random.js';
import { shouldStop } from './stop-condition.js';
import { stoppingRules } from './stopping-rules.js';
import type { ResolvedStrategy, StratumFigures } from './types.js';
import { seasShouldStop } from './vote.js';
import { wilsonUpperBound } from './wilson-upper-bound.js';

/** What the adaptive rule needs of the engine: asking a round, and counting it. */
export interface WindowRounds {
  /** Asks every item of `order` once, in that order, packed at `batchSize` items per call. */
  ask(order: readonly ItemState[], round: number, batchSize: number, label: string): Promise<void>;
  /** Counts items that start round `round`. */
  started(round: number, items: number): void;
  /** Counts items that leave after round `round`. */
  stopped(round: number, items: number): void;
  throwIfAborted(): void;
  /** Prompt tokens of a round-1 call besides its items (instruction, examples, framing). */
  fixedTokensPerCall: number;
  /** Output tokens of one answer, about. */
  tokensPerAnswer: number;
  /** Items expected after this window: known from the caller's total, or a guess from a full window. */
  itemsAfterWindow: number;
}

export interface AdaptiveWindowInput {
  windowIndex: number;
  states: readonly ItemState[];
  strategy: ResolvedStrategy;
  run: AdaptiveRun;
  rounds: WindowRounds;
}

/** The pilot's size: a share of the window, at least `minPilotItems`, rounded up to whole batches. */
export function pilotSize(windowItems: number, strategy: ResolvedStrategy): number {
  const { pilotShare, minPilotItems } = strategy.adaptive;
  const wanted = Math.max(minPilotItems, Math.ceil(pilotShare * windowItems));
  const whole = Math.ceil(wanted / strategy.batchSize) * strategy.batchSize;
  return Math.min(windowItems, whole);
}

function describeDecision(strata: readonly StratumFigures[], startSize: number, finalSize: number): string {
  const parts = strata.map((stratum) => {
    const figures = `${stratum.changed}/${stratum.items} changed, bound ${(stratum.upperBound * 100).toFixed(1)}% vs limit ${(stratum.limit * 100).toFixed(1)}%`;
    return `${stratum.stratum} answers ${stratum.stopsAfterRound1 ? 'stop after round 1' : 'go on under SEAS'} (${figures})`;
  });
  const size =
    finalSize === startSize
      ? `batch size stays ${startSize}`
      : `batch size grows ${startSize} -> ${finalSize}`;
  return `${parts.join('; ')}; ${size}`;
}

interface PilotOutcome {
  decision: AdaptiveDecision;
  /** Pilot items, with two votes each (or fewer where replies lacked them). */
  pilot: ItemState[];
  /** Items that got round 1 in a size probe. */
  probed: ItemState[];
  /** Items that got round 1 in a probe whose size was rejected: they do not stop after round 1. */
  unproven: Set<ItemState>;
  /** Items not asked yet. */
  fresh: ItemState[];
}

async function runPilot(input: AdaptiveWindowInput, done: Set<ItemState>): Promise<PilotOutcome> {
  const { strategy, run, rounds, windowIndex } = input;
  const options = strategy.adaptive;
  const startSize = strategy.batchSize;
  if (strategy.rounds < 2) {
    const decision = { stopsAfterRound1: { sure: true, unsure: true }, batchSize: startSize };
    run.summary.decision = 'one round allowed: no pilot, every item gets one answer';
    run.decide(decision);
    return { decision, pilot: [], probed: [], unproven: new Set(), fresh: [...input.states] };
  }
  const size = pilotSize(input.states.length, strategy);
  const pilot = input.states.slice(0, size);
  const fresh = input.states.slice(size);
  run.summary.pilotItems = pilot.length;

  rounds.started(1, pilot.length);
  await rounds.ask(pilot, 1, startSize, 'p');
  for (const state of pilot) state.rounds += 1;
  rounds.throwIfAborted();
  rounds.started(2, pilot.length);
  await rounds.ask(shuffled(pilot, hashSeed(strategy.seed, windowIndex, 'pilot', 2)), 2, startSize, 'p');
  for (const state of pilot) state.rounds += 1;
  const settled = pilot.filter((state) => seasShouldStop(state.votes, 2));
  const conditions = stoppingRules.adaptive(strategy);

  const strata = measurePilotStrata(pilot, options);
  run.summary.strata = strata;
  const stopsAfterRound1 = { sure: strata[0]!.stopsAfterRound1, unsure: strata[1]!.stopsAfterRound1 };
  // A pilot item leaves as SEAS would let it, or when its stratum does not move and round 2
  // repeated its label, or when both its votes were unsure and agreed; a contested one goes on.
  let pilotStopped = 0;
  for (const state of pilot) {
    const first = state.votes.find((vote) => vote.round === 1);
    const second = state.votes.find((vote) => vote.round === 2);
    const repeated =
      first !== undefined &&
      second !== undefined &&
      String(first.answer) === String(second.answer) &&
      stopsAfterRound1[first.confident ? 'sure' : 'unsure'];
    if (repeated || shouldStop(conditions, { votes: state.votes, round: 2 })) {
      done.add(state);
      pilotStopped += 1;
    }
  }
  rounds.stopped(2, pilotStopped);

  // Grow the batch only for a model whose sure answers survive a reshuffle: a model whose answers
  // move at the same size gives no clean signal about a larger one, and SEAS at the start size
  // is the safe course for it.
  let batchSize = startSize;
  const probed: ItemState[] = [];
  const unproven = new Set<ItemState>();
  let probeIndex = 0;
  while (stopsAfterRound1.sure && fresh.length > 0) {
    const next = Math.min(batchSize * 2, options.maxBatchSize);
    if (next <= batchSize) break;
    // A probe costs its anchors' tokens once; a larger batch saves the fixed prompt of the calls
    // it makes unnecessary on the items still to come. Probe only when that saving is larger.
    const itemsToCome = fresh.length + rounds.itemsAfterWindow;
    const saving =
      rounds.fixedTokensPerCall * (Math.ceil(itemsToCome / batchSize) - Math.ceil(itemsToCome / next));
    const meanItemTokens = pilot.reduce((sum, state) => sum + state.tokens, 0) / Math.max(1, pilot.length);
    const probeCost =
      Math.min(options.probeAnchors, settled.length) * (meanItemTokens + rounds.tokensPerAnswer);
    if (saving <= probeCost) {
      run.summary.growthSkipped = `a probe at ${next} would cost about ${Math.round(probeCost)} tokens and save about ${Math.max(0, Math.round(saving))} on the ${itemsToCome} items to come`;
      break;
    }
    const anchors = shuffled(settled, hashSeed(strategy.seed, windowIndex, 'anchors', probeIndex)).slice(
      0,
      Math.min(options.probeAnchors, next - 1),
    );
    if (anchors.length === 0) break;
    const newcomers = fresh.splice(0, next - anchors.length);
    const order = shuffled([...anchors, ...newcomers], hashSeed(strategy.seed, windowIndex, 'probe', next));
    const votesBefore = new Map(anchors.map((state) => [state, state.votes.length]));
    rounds.started(1, newcomers.length);
    await rounds.ask(order, 1, next, `g${next}.`);
    for (const state of newcomers) state.rounds += 1;
    probed.push(...newcomers);
    let answered = 0;
    let agreed = 0;
    for (const anchor of anchors) {
      if (anchor.votes.length === votesBefore.get(anchor)) continue;
      const vote = anchor.votes[anchor.votes.length - 1]!;
      anchor.rounds += 1;
      // The call was round 1 for the newcomers; for an anchor it is one more vote.
      vote.round = anchor.rounds;
      answered += 1;
      if (String(vote.answer) === String(anchor.votes[0]!.answer)) agreed += 1;
    }
    const disagreementUpperBound = wilsonUpperBound(answered - agreed, answered, options.confidence);
    const accepted = answered > 0 && disagreementUpperBound <= options.changeLimit.sure;
    run.summary.probes.push({
      batchSize: next,
      anchors: answered,
      agreed,
      disagreementUpperBound,
      limit: options.changeLimit.sure,
      accepted,
    });
    probeIndex += 1;
    if (!accepted) {
      for (const state of newcomers) unproven.add(state);
      break;
    }
    batchSize = next;
  }
  const decision = { stopsAfterRound1, batchSize };
  run.summary.decision = describeDecision(strata, startSize, batchSize);
  run.decide(decision);
  return { decision, pilot, probed, unproven, fresh };
}

/**
 * One window of an adaptive run. The first window runs the pilot (round 1 and 2 for its first
 * items, then size probes) and decides; every window then asks its remaining items once, lets
 * those of a stratum that does not move go, and votes on the rest under SEAS, stopping items
 * that stayed unsure through `unsureRoundCap` rounds.
 */
export async function runAdaptiveWindow(input: AdaptiveWindowInput): Promise<void> {
  const { strategy, run, rounds, windowIndex } = input;
  const done = new Set<ItemState>();
  let outcome: PilotOutcome;
  if (windowIndex === 0) {
    try {
      outcome = await runPilot(input, done);
    } catch (error) {
      run.fail(error);
      throw error;
    }
  } else {
    const decision = await run.decision;
    outcome = { decision, pilot: [], probed: [], unproven: new Set(), fresh: [...input.states] };
  }
  const { decision, fresh } = outcome;
  rounds.throwIfAborted();
  if (fresh.length > 0) {
    rounds.started(1, fresh.length);
    await rounds.ask(fresh, 1, decision.batchSize, windowIndex === 0 ? 'r' : '');
    for (const state of fresh) state.rounds += 1;
  }
  let stoppedNow = 0;
  for (const state of [...outcome.probed, ...fresh]) {
    const first = state.votes.find((vote) => vote.round === 1);
    if (!first || outcome.unproven.has(state)) continue;
    if (decision.stopsAfterRound1[first.confident ? 'sure' : 'unsure']) {
      done.add(state);
      stoppedNow += 1;
    }
  }
  rounds.stopped(1, stoppedNow);
  run.summary.stoppedAfterRound1 += stoppedNow;

  const conditions = stoppingRules.adaptive(strategy);
  let active = input.states.filter((state) => !done.has(state));
  for (let round = 2; round <= strategy.rounds && active.length > 0; round += 1) {
    rounds.throwIfAborted();
    const due = active.filter((state) => state.rounds === round - 1);
    if (due.length === 0) continue;
    rounds.started(round, due.length);
    await rounds.ask(
      shuffled(due, hashSeed(strategy.seed, windowIndex, round)),
      round,
      decision.batchSize,
      '',
    );
    let stoppedInRound = 0;
    for (const state of due) {
      state.rounds += 1;
      // The last round ends the loop anyway: only what stops an item early is counted.
      if (round < strategy.rounds && shouldStop(conditions, { votes: state.votes, round })) {
        done.add(state);
        stoppedInRound += 1;
        if (!seasShouldStop(state.votes, round)) run.summary.stoppedByUnsureCap += 1;
      }
    }
    rounds.stopped(round, stoppedInRound);
    active = active.filter((state) => !done.has(state));
  }
}
