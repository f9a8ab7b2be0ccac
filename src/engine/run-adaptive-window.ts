import type { AdaptiveDecision, AdaptiveRun, ProbeAnchor } from './adaptive-run.js';
import type { ItemState } from './item-state.js';
import { measurePilotStrata, testPilotAnswers } from './measure-pilot-strata.js';
import { hashSeed, shuffled } from './seeded-random.js';
import { shouldStop } from './stop-condition.js';
import { stoppingRules } from './stopping-rules.js';
import type { ResolvedStrategy, StratumFigures } from './types.js';
import { seasShouldStop } from './vote.js';
import { wilsonUpperBound } from './wilson-upper-bound.js';

/** What the adaptive rule needs of the engine: packing and asking rounds, and counting them. */
export interface WindowRounds {
  /** Packs `order` into the calls of one round at `batchSize` items per call. */
  pack(order: readonly ItemState[], round: number, batchSize: number): ItemState[][];
  /**
   * Asks packed calls of a round; `firstIndex` is the place of the first among all the round's
   * calls, so that a round asked in parts has the batch codes of the same round asked at once.
   */
  askPacked(batches: readonly ItemState[][], round: number, firstIndex: number, label: string): Promise<void>;
  /** Asks packed calls of a round, each with its own place among the round's calls. */
  askIndexed(calls: readonly IndexedCall[], round: number, label: string): Promise<void>;
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

/** One packed call and its place among the calls of its round (which sets its batch code). */
export interface IndexedCall {
  batch: ItemState[];
  index: number;
}

export interface AdaptiveWindowInput {
  windowIndex: number;
  states: readonly ItemState[];
  strategy: ResolvedStrategy;
  run: AdaptiveRun;
  rounds: WindowRounds;
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

async function askRound(
  rounds: WindowRounds,
  order: readonly ItemState[],
  round: number,
  batchSize: number,
  label: string,
): Promise<void> {
  if (order.length === 0) return;
  rounds.started(round, order.length);
  await rounds.askPacked(rounds.pack(order, round, batchSize), round, 0, label);
  for (const state of order) state.rounds += 1;
}

/**
 * On a model found stable, a round that would ask fewer than `minRoundItems` items of a window is
 * not asked: its items leave after `round` with the votes they have. True when they left.
 */
function leaveAsFew(input: AdaptiveWindowInput, items: number, round: number): boolean {
  if (items === 0 || items >= input.strategy.adaptive.minRoundItems) return false;
  input.rounds.stopped(round, items);
  input.run.summary.stoppedAsFewLeft += items;
  return true;
}

/**
 * Rounds `fromRound` on for the items of `active`, each asked in a shuffled order of the round's
 * active items, as SEAS asks them; an item leaves when `conditions` say so.
 */
async function voteOn(
  input: AdaptiveWindowInput,
  active: ItemState[],
  fromRound: number,
  batchSize: number,
  rules: 'seas' | 'adaptive',
): Promise<void> {
  const { strategy, rounds, run, windowIndex } = input;
  const conditions = stoppingRules[rules](strategy);
  let remaining = active;
  for (let round = fromRound; round <= strategy.rounds && remaining.length > 0; round += 1) {
    rounds.throwIfAborted();
    if (rules === 'adaptive' && leaveAsFew(input, remaining.length, round - 1)) return;
    const order = shuffled(remaining, hashSeed(strategy.seed, windowIndex, round));
    await askRound(rounds, order, round, batchSize, '');
    if (round === strategy.rounds) break;
    const next: ItemState[] = [];
    for (const state of remaining) {
      if (!shouldStop(conditions, { votes: state.votes, round })) next.push(state);
      else if (!seasShouldStop(state.votes, round)) run.summary.stoppedByUnsureCap += 1;
    }
    rounds.stopped(round, remaining.length - next.length);
    remaining = next;
  }
}

/**
 * The first window. Round 1 asks every item, and round 2 starts exactly as SEAS's would (the same
 * shuffled order, packing and batch codes), one call at a time: those calls are the pilot. After
 * each, the sequential test on the sure answers decides whether the model is stable, is
 * order-dependent, or needs another call. An order-dependent model, or one still undecided when
 * round 2 is complete, gets the rest of SEAS unchanged, so the run pays what BPE+SEAS pays. A
 * stable one stops: sure answers outside the pilot leave after round 1, unsure ones too when their
 * own change rate allows, and the rest vote on with SEAS plus the unsure cap.
 */
async function runFirstWindow(input: AdaptiveWindowInput): Promise<void> {
  const { strategy, run, rounds, states } = input;
  const options = strategy.adaptive;
  const size = strategy.batchSize;
  await askRound(rounds, states, 1, size, '');
  if (strategy.rounds < 2) {
    run.summary.decision = 'one round allowed: no pilot, every item gets one answer';
    run.decide({ stopsAfterRound1: { sure: true, unsure: true }, stable: true });
    return;
  }
  rounds.throwIfAborted();
  const calls = rounds.pack(shuffled(states, hashSeed(strategy.seed, input.windowIndex, 2)), 2, size);
  // SEAS asks every one of these calls; the pilot asks first those that carry the most unsure
  // round-1 answers, since whether an unsure answer comes back sure tells the two kinds of model
  // apart fastest. Each call keeps its place, so its batch code is the one SEAS would send.
  const unsureIn = (batch: readonly ItemState[]) =>
    batch.filter((state) => state.votes.find((vote) => vote.round === 1)?.confident === false).length;
  const queue: IndexedCall[] = calls
    .map((batch, index) => ({ batch, index, unsure: unsureIn(batch) }))
    .sort((a, b) => b.unsure - a.unsure || a.index - b.index)
    .map(({ batch, index }) => ({ batch, index }));
  const pilot: ItemState[] = [];
  let asked = 0;
  let verdict = testPilotAnswers(pilot, options).verdict;
  while (asked < queue.length && verdict === 'undecided') {
    rounds.throwIfAborted();
    const call = queue[asked]!;
    rounds.started(2, call.batch.length);
    await rounds.askIndexed([call], 2, '');
    for (const state of call.batch) state.rounds += 1;
    pilot.push(...call.batch);
    asked += 1;
    verdict = testPilotAnswers(pilot, options).verdict;
  }
  run.summary.pilotItems = pilot.length;
  const { strata, test } = measurePilotStrata(pilot, options);
  run.summary.strata = strata;
  run.summary.test = test;
  const stopsAfterRound1 = { sure: strata[0]!.stopsAfterRound1, unsure: strata[1]!.stopsAfterRound1 };
  const stable = verdict === 'stable';
  const testText = `sequential test ${verdict}${stable || asked < queue.length ? '' : ' when round 2 was complete'}`;
  run.summary.decision = `${testText}: ${strata.map(describeStratum).join('; ')}`;
  if (stable) {
    // Settled pilot answers, in a shuffled order; a model just found stable repeats a sure answer
    // almost always, so sure round-1 answers of the window fill up what the probes may want.
    const settled: ProbeAnchor[] = [];
    for (const state of pilot) {
      const [first, second] = [1, 2].map((round) => state.votes.find((vote) => vote.round === round));
      if (first?.confident && second?.confident && String(first.answer) === String(second.answer)) {
        settled.push({ item: state.item, tokens: state.tokens, answer: String(first.answer) });
      }
    }
    const inPilotNow = new Set(pilot);
    const spare: ProbeAnchor[] = [];
    for (const state of shuffled(states, hashSeed(strategy.seed, input.windowIndex, 'spare anchors'))) {
      if (settled.length + spare.length >= anchorPoolSize(strategy)) break;
      const first = state.votes.find((vote) => vote.round === 1);
      if (inPilotNow.has(state) || !first?.confident) continue;
      spare.push({ item: state.item, tokens: state.tokens, answer: String(first.answer) });
    }
    run.anchors = [...shuffled(settled, hashSeed(strategy.seed, input.windowIndex, 'anchors')), ...spare];
  }
  run.decide({ stopsAfterRound1, stable });
  rounds.throwIfAborted();

  if (!stable) {
    // The rest of SEAS's round 2, then its later rounds: the calls of a BPE+SEAS run.
    const rest = queue.slice(asked);
    const restItems = rest.flatMap((call) => call.batch);
    if (restItems.length > 0) {
      rounds.started(2, restItems.length);
      await rounds.askIndexed(rest, 2, '');
      for (const state of restItems) state.rounds += 1;
    }
    const seas = stoppingRules.seas(strategy);
    const active = states.filter((state) => !shouldStop(seas, { votes: state.votes, round: 2 }));
    rounds.stopped(2, states.length - active.length);
    await voteOn(input, active, 3, size, 'seas');
    return;
  }

  // Stable: pilot items leave as SEAS or the unsure cap lets them, or when their stratum stops and
  // round 2 repeated their label; the others decide by their round-1 tag.
  const inPilot = new Set(pilot);
  const adaptive = stoppingRules.adaptive(strategy);
  let pilotStopped = 0;
  const goOn: ItemState[] = [];
  for (const state of pilot) {
    const [first, second] = [1, 2].map((round) => state.votes.find((vote) => vote.round === round));
    const repeated =
      first !== undefined &&
      second !== undefined &&
      String(first.answer) === String(second.answer) &&
      stopsAfterRound1[first.confident ? 'sure' : 'unsure'];
    if (repeated || shouldStop(adaptive, { votes: state.votes, round: 2 })) pilotStopped += 1;
    else goOn.push(state);
  }
  rounds.stopped(2, pilotStopped);
  const needRound2: ItemState[] = [];
  let stoppedNow = 0;
  for (const state of states) {
    if (inPilot.has(state)) continue;
    const first = state.votes.find((vote) => vote.round === 1);
    if (first && stopsAfterRound1[first.confident ? 'sure' : 'unsure']) stoppedNow += 1;
    else needRound2.push(state);
  }
  rounds.stopped(1, stoppedNow);
  run.summary.stoppedAfterRound1 += stoppedNow;
  if (leaveAsFew(input, needRound2.length, 1)) needRound2.length = 0;
  // Round 2 for the items that still need it, packed anew (label `u`: other calls than SEAS's).
  await askRound(
    rounds,
    shuffled(needRound2, hashSeed(strategy.seed, input.windowIndex, 'u', 2)),
    2,
    size,
    'u',
  );
  const afterRound2: ItemState[] = [];
  for (const state of needRound2) {
    if (!shouldStop(adaptive, { votes: state.votes, round: 2 })) afterRound2.push(state);
    else if (!seasShouldStop(state.votes, 2)) run.summary.stoppedByUnsureCap += 1;
  }
  rounds.stopped(2, needRound2.length - afterRound2.length);
  await voteOn(input, [...goOn, ...afterRound2], 3, size, 'adaptive');
}

/** Anchors kept for the probes: each of the doublings up to the largest size takes its own. */
function anchorPoolSize(strategy: ResolvedStrategy): number {
  const doublings = Math.max(1, Math.ceil(Math.log2(strategy.adaptive.maxBatchSize / strategy.batchSize)));
  return strategy.adaptive.probeAnchors * doublings;
}

/**
 * Tries batches twice as large, one after the other, while they pay: each probe asks answers of
 * the first window again (anchors: settled pilot answers, then sure round-1 ones) among new items
 * of this window, and a size is kept while the anchors repeat their labels (the Wilson bound of their disagreement within `probeDisagreementLimit`). Returns the
 * size, the items the probes answered in round 1, and those of a rejected probe.
 */
async function probeBatchSizes(
  input: AdaptiveWindowInput,
  fresh: ItemState[],
): Promise<{ batchSize: number; probed: ItemState[]; unproven: Set<ItemState> }> {
  const { strategy, run, rounds, windowIndex } = input;
  const options = strategy.adaptive;
  let batchSize = strategy.batchSize;
  const probed: ItemState[] = [];
  const unproven = new Set<ItemState>();
  const anchorsAvailable = run.anchors;
  const meanItemTokens =
    anchorsAvailable.reduce((sum, anchor) => sum + anchor.tokens, 0) / Math.max(1, anchorsAvailable.length);
  let anchorsUsed = 0;
  while (fresh.length > 0 && anchorsAvailable.length > 0) {
    const next = Math.min(batchSize * 2, options.maxBatchSize);
    if (next <= batchSize) break;
    // A probe costs its anchors' tokens once; a larger batch saves the fixed prompt of the calls
    // it makes unnecessary on the items still to come. Probe only when that saving is larger.
    const itemsToCome = fresh.length + rounds.itemsAfterWindow;
    const saving =
      rounds.fixedTokensPerCall * (Math.ceil(itemsToCome / batchSize) - Math.ceil(itemsToCome / next));
    const probeCost =
      Math.min(options.probeAnchors, anchorsAvailable.length) * (meanItemTokens + rounds.tokensPerAnswer);
    if (saving <= probeCost) {
      run.summary.growthSkipped = `a probe at ${next} would cost about ${Math.round(probeCost)} tokens and save about ${Math.max(0, Math.round(saving))} on the ${itemsToCome} items to come`;
      break;
    }
    // Each probe takes the next anchors in the pool's order, settled ones first.
    const take = Math.min(options.probeAnchors, next - 1);
    const chosen: ProbeAnchor[] = anchorsAvailable.slice(anchorsUsed, anchorsUsed + take);
    if (chosen.length === 0) break;
    anchorsUsed += chosen.length;
    // An anchor is asked as an item state of its own: its finished window keeps its results.
    const anchors: ItemState[] = chosen.map((anchor) => ({
      index: -1,
      item: anchor.item,
      tokens: anchor.tokens,
      votes: [],
      problems: [],
      callFailed: false,
      rounds: 0,
    }));
    const newcomers = fresh.splice(0, next - anchors.length);
    const order = shuffled([...anchors, ...newcomers], hashSeed(strategy.seed, windowIndex, 'probe', next));
    rounds.started(1, newcomers.length);
    await rounds.askPacked(rounds.pack(order, 1, next), 1, 0, `g${next}.`);
    for (const state of newcomers) state.rounds += 1;
    probed.push(...newcomers);
    let answered = 0;
    let agreed = 0;
    anchors.forEach((anchor, position) => {
      const vote = anchor.votes[0];
      if (!vote) return;
      answered += 1;
      if (String(vote.answer) === chosen[position]!.answer) agreed += 1;
    });
    const disagreementUpperBound = wilsonUpperBound(answered - agreed, answered, options.confidence);
    const accepted = answered > 0 && disagreementUpperBound <= options.probeDisagreementLimit;
    run.summary.probes.push({
      batchSize: next,
      anchors: answered,
      agreed,
      disagreementUpperBound,
      limit: options.probeDisagreementLimit,
      accepted,
    });
    if (!accepted) {
      for (const state of newcomers) unproven.add(state);
      break;
    }
    batchSize = next;
  }
  return { batchSize, probed, unproven };
}

/**
 * A window after the first: it waits for the pilot's decision. An order-dependent model runs the
 * window as SEAS would. For a stable one, the second window first tries larger batches (every
 * later window waits for the size it settles on); each window then asks its items once, lets
 * those of a stratum that stops go, and votes on the rest under SEAS and the unsure cap.
 */
async function runLaterWindow(input: AdaptiveWindowInput, decision: AdaptiveDecision): Promise<void> {
  const { strategy, run, rounds, states } = input;
  if (!decision.stable) {
    await askRound(rounds, states, 1, strategy.batchSize, '');
    await voteOn(input, [...states], 2, strategy.batchSize, 'seas');
    return;
  }
  const fresh = [...states];
  let probed: ItemState[] = [];
  let unproven = new Set<ItemState>();
  const batchSize = await run.batchSize(async () => {
    const outcome = await probeBatchSizes(input, fresh);
    probed = outcome.probed;
    unproven = outcome.unproven;
    return outcome.batchSize;
  });
  rounds.throwIfAborted();
  await askRound(rounds, fresh, 1, batchSize, '');
  const goOn: ItemState[] = [];
  let stoppedNow = 0;
  for (const state of [...probed, ...fresh]) {
    const first = state.votes.find((vote) => vote.round === 1);
    if (first && !unproven.has(state) && decision.stopsAfterRound1[first.confident ? 'sure' : 'unsure']) {
      stoppedNow += 1;
    } else goOn.push(state);
  }
  rounds.stopped(1, stoppedNow);
  run.summary.stoppedAfterRound1 += stoppedNow;
  await voteOn(input, goOn, 2, batchSize, 'adaptive');
}

/** One window of an adaptive run: the first runs the pilot and decides, the others apply it. */
export async function runAdaptiveWindow(input: AdaptiveWindowInput): Promise<void> {
  if (input.windowIndex === 0) {
    try {
      await runFirstWindow(input);
    } catch (error) {
      input.run.fail(error);
      throw error;
    }
    return;
  }
  await runLaterWindow(input, await input.run.decision);
}
