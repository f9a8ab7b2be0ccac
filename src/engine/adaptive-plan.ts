import { type AdaptiveDecision, decidePilot, judgePilotSize, judgeProbe } from './adaptive-decision.js';
import type { ItemState } from './item-state.js';
import { firstJointCalls, jointGrowthRefused, jointPilotAnswers, pilotBatchSize } from './joint-pilot.js';
import { observedVotes, pilotAnswers } from './output-votes.js';
import {
  dueItems,
  type ProbedAnchor,
  packRound,
  type RunWindow,
  roundStage,
  type Stage,
  type WindowPlan,
} from './plan-stage.js';
import { itemsAfter, probeWouldNotPay } from './probe-cost.js';
import type { RunContext } from './run-context.js';
import { hashSeed, shuffled } from './seeded-random.js';

/**
 * The adaptive rule's work in a window. The first window runs the pilot in one of three ways:
 * - `late` (the batch may not grow, or the window is too small to fill a larger call): round 1 is
 *   asked in full, then SEAS's own round-2 calls one at a time, those with the most unsure answers
 *   first, until the sequential test decides; on an order-dependent model the run is then
 *   BPE+SEAS call for call.
 * - `joint` (a probe with anchors would not pay on the items to come, as on a data set of a few
 *   hundred items): round 1's first two calls at the starting size; if the model was sure of
 *   enough of their answers (`minSureShareToGrow`), the pilot asks them again (the unsure ones
 *   first) in a call of the larger size (`pilotBatchSize`) that new items of round 1 fill, so the
 *   pilot pays no call of its own and tests the larger size as it goes; a stable model keeps that
 *   size unless the pilot's answers clearly changed label in it. Otherwise the pilot runs `late`.
 * - `early` (a larger batch could pay for its probes): round 1 starts with four calls at once, then
 *   one call at a time; once its answers hold a quarter of a call of unsure ones, the pilot asks
 *   again, in a call of its own, every unsure one and sure ones to fill the call, and so on until
 *   the test decides; a stable model's batch then grows by probes before the rest of round 1 is
 *   asked at the size they keep.
 * Later windows `follow` the decision the first one published.
 */
export interface AdaptivePlan {
  mode: 'late' | 'early' | 'joint' | 'follow';
  /** True once the decision, batch size included, is final (and published by the first window). */
  settled: boolean;
  /** The items the pilot asked again, in the order it asked them. */
  pilot: ItemState[];
  /** `late`: SEAS's round-2 calls, those that carry the most unsure round-1 answers first. */
  pilotQueue?: ItemState[][];
  /** `early`, stable: the next larger batch to try and the anchors it asks again. */
  probe?: { size: number; anchors: ProbedAnchor[] };
  /** `early`: items already asked again as anchors. */
  anchorsUsed: ReadonlySet<ItemState>;
}

/** A window's adaptive plan at its start: the first window picks how its pilot runs, the others wait for it. */
export async function startAdaptivePlan(context: RunContext, window: RunWindow): Promise<WindowPlan> {
  const { strategy } = context;
  const plan: AdaptivePlan = { mode: 'late', settled: false, pilot: [], anchorsUsed: new Set() };
  if (window.index > 0) {
    const decision = await context.adaptive.decision;
    return { decision, adaptive: { ...plan, mode: 'follow', settled: true } };
  }
  const size = strategy.batchSize;
  const next = Math.min(size * 2, strategy.adaptive.maxBatchSize);
  if (strategy.rounds < 2 || next <= size) {
    if (strategy.rounds >= 2) context.adaptive.recordPilotTiming('after-round-1');
    return { decision: undefined, adaptive: plan };
  }
  // A probe comes after the early pilot's first calls and its own call: only the items after
  // those can repay it (on 1,000 BoolQ items a probe that paid at the start no longer did then).
  const notPaying = probeWouldNotPay(
    context,
    window,
    size,
    next,
    Math.max(0, window.items.length - (firstCallsOfEarlyPilot + 1) * size) + itemsAfter(context, window),
  );
  const joint = pilotBatchSize(strategy);
  const mode =
    notPaying === undefined
      ? 'early'
      : joint > size && window.items.length >= firstJointCalls * size + joint - jointPilotAnswers(strategy)
        ? 'joint'
        : 'late';
  if (mode === 'late') context.adaptive.recordProbe(undefined, notPaying);
  context.adaptive.recordPilotTiming(mode === 'late' ? 'after-round-1' : 'first-calls');
  return { decision: undefined, adaptive: { ...plan, mode } };
}

/** The first `count` calls of round 1 still to ask, at `size` items. */
function nextRoundOneCalls(context: RunContext, window: RunWindow, size: number, count = 1): Stage {
  const fresh = window.active.filter((state) => state.rounds === 0);
  return { calls: packRound(context.strategy, fresh, 1, size).slice(0, count) };
}

/**
 * Calls of round 1 the early pilot starts from, asked at once: enough, most of the time, for a
 * quarter of a call of unsure answers (a stable model tags about one answer in eight unsure, the
 * 2023 models about one in twenty), and for a run's first calls to be in flight together.
 */
const firstCallsOfEarlyPilot = 4;

function probeStage(
  context: RunContext,
  window: RunWindow,
  probe: NonNullable<AdaptivePlan['probe']>,
): Stage {
  const { strategy } = context;
  const newcomers = window.active
    .filter((state) => state.rounds === 0)
    .slice(0, probe.size - probe.anchors.length);
  const order = shuffled(
    [...probe.anchors.map((anchor) => anchor.copy), ...newcomers],
    hashSeed(strategy.seed, window.index, 'probe', probe.size),
  );
  return {
    calls: packRound(strategy, order, 1, probe.size),
    purpose: { probe: probe.size, anchors: probe.anchors },
  };
}

/** The calls the loop asks next in a window of an adaptive run. */
export function nextAdaptiveStage(context: RunContext, window: RunWindow, plan: WindowPlan): Stage {
  const { strategy } = context;
  const adaptive = plan.adaptive!;
  const size = plan.decision?.batchSize ?? strategy.batchSize;
  if ((adaptive.mode === 'early' || adaptive.mode === 'joint') && !adaptive.settled) {
    if (plan.decision === undefined)
      return adaptive.mode === 'joint'
        ? jointPilotStage(context, window, adaptive)
        : earlyPilotStage(context, window, adaptive);
    if (adaptive.probe) return probeStage(context, window, adaptive.probe);
    return nextRoundOneCalls(context, window, size);
  }
  const due = dueItems(window);
  if (adaptive.mode === 'late' && adaptive.pilotQueue && due.round === 2) {
    const waiting = adaptive.pilotQueue.filter((call) => call.every((state) => state.rounds === 1));
    // The pilot asks SEAS's round-2 calls one at a time; an order-dependent model gets the rest.
    if (plan.decision === undefined) return { calls: waiting.slice(0, 1), purpose: 'pilot' };
    if (!plan.decision.stable) return { calls: waiting };
    // A stable model: round 2 for the items whose stratum goes on, packed anew.
    const order = shuffled(due.items, hashSeed(strategy.seed, window.index, 'u', 2));
    return { calls: packRound(strategy, order, 2, size) };
  }
  // A stable first window's shuffles start from the pilot's items, in the order it asked them.
  return roundStage(strategy, window, size, plan.decision?.stable ? adaptive.pilot : []);
}

/** Items answered in round 1 that the pilot has not asked again yet. */
function unpiloted(window: RunWindow, adaptive: AdaptivePlan): ItemState[] {
  const inPilot = new Set(adaptive.pilot);
  return window.active.filter((state) => state.rounds === 1 && !inPilot.has(state));
}

/**
 * `early`, undecided: round 1's first calls, then one more call of round 1 while the answers
 * waiting for the pilot hold fewer unsure ones than a quarter of a call (and fewer than eight
 * calls' answers wait), else the
 * pilot's next call: every unsure answer waiting, then sure ones in a seeded shuffle. Whether an
 * unsure answer comes back sure tells the two kinds of model apart fastest: the late pilot picks
 * SEAS's call with the most of them (4-9 of 32), and a pilot of the first two calls' answers
 * (3 unsure of 64 on BoolQ at seed 0) called sim:gpt-4 stable.
 */
function earlyPilotStage(context: RunContext, window: RunWindow, adaptive: AdaptivePlan): Stage {
  const { strategy } = context;
  const tag = (state: ItemState) => state.votes.find((vote) => vote.round === 1)?.confident;
  const waiting = unpiloted(window, adaptive);
  const fresh = window.active.some((state) => state.rounds === 0);
  const unsure = waiting.filter((state) => tag(state) === false).length;
  const enough = unsure >= Math.ceil(strategy.batchSize / 4) || waiting.length >= 8 * strategy.batchSize;
  if (fresh && !enough) {
    const started = window.items.some((state) => state.rounds > 0);
    return nextRoundOneCalls(context, window, strategy.batchSize, started ? 1 : firstCallsOfEarlyPilot);
  }
  return pilotRoundTwoCall(context, window, adaptive);
}

/** Answers waiting for the pilot, every unsure one first, then sure ones in a shuffle seeded by the pilot's length. */
function pilotCandidates(context: RunContext, window: RunWindow, adaptive: AdaptivePlan) {
  const tag = (state: ItemState) => state.votes.find((vote) => vote.round === 1)?.confident;
  const waiting = unpiloted(window, adaptive);
  const seed = hashSeed(context.strategy.seed, window.index, 'pilot', adaptive.pilot.length);
  const unsure = waiting.filter((state) => tag(state) === false);
  return {
    seed,
    ordered: [
      ...unsure,
      ...shuffled(
        waiting.filter((state) => tag(state) !== false),
        seed,
      ),
    ],
  };
}

/** The pilot's next call of answers alone, asked again at the starting size as a call of round 2. */
function pilotRoundTwoCall(context: RunContext, window: RunWindow, adaptive: AdaptivePlan): Stage {
  const { strategy } = context;
  const { seed, ordered } = pilotCandidates(context, window, adaptive);
  const chosen = shuffled(ordered.slice(0, strategy.batchSize), seed);
  return { calls: packRound(strategy, chosen, 2, strategy.batchSize), purpose: 'pilot' };
}

/**
 * `joint`, undecided: round 1's first two calls at the starting size, then the pilot's next call: its
 * answers asked again (every unsure one waiting, then sure ones in a seeded shuffle, up to
 * `jointPilotAnswers`) with new items of round 1 filling a call of `pilotBatchSize`, shuffled
 * together. When too few new items are left to fill it, the pilot's call is a round-2 call at the
 * starting size, as the early pilot's.
 */
function jointPilotStage(context: RunContext, window: RunWindow, adaptive: AdaptivePlan): Stage {
  const { strategy } = context;
  if (!window.items.some((state) => state.rounds > 0))
    return nextRoundOneCalls(context, window, strategy.batchSize, firstJointCalls);
  const { seed, ordered } = pilotCandidates(context, window, adaptive);
  const size = pilotBatchSize(strategy);
  const chosen = ordered.slice(0, jointPilotAnswers(strategy));
  const fresh = window.active.filter((state) => state.rounds === 0);
  if (chosen.length === 0 && fresh.length > 0) return nextRoundOneCalls(context, window, strategy.batchSize);
  if (fresh.length < size - chosen.length) return pilotRoundTwoCall(context, window, adaptive);
  const order = shuffled([...chosen, ...fresh.slice(0, size - chosen.length)], seed);
  return { calls: packRound(strategy, order, 1, size), purpose: 'pilot' };
}

/** SEAS's round-2 calls of the first window, those that carry the most unsure round-1 answers first. */
function pilotQueue(context: RunContext, window: RunWindow): ItemState[][] {
  const { strategy } = context;
  const calls = packRound(
    strategy,
    shuffled(window.items, hashSeed(strategy.seed, window.index, 2)),
    2,
    strategy.batchSize,
  );
  // Whether an unsure answer comes back sure tells the two kinds of model apart fastest; a task
  // with outputs counts each unsure output's answer, as the pilot observes them.
  const unsureIn = (call: readonly ItemState[]) =>
    call.reduce(
      (sum, state) => sum + [...observedVotes(state, 1).values()].filter((vote) => !vote.confident).length,
      0,
    );
  return calls
    .map((call, index) => ({ call, index, unsure: unsureIn(call) }))
    .sort((a, b) => b.unsure - a.unsure || a.index - b.index)
    .map(({ call }) => call);
}

/**
 * Answers a probe may ask again, in the order it takes them: settled pilot answers (sure and
 * repeated) first, in a seeded shuffle, then sure round-1 answers from calls of a size already
 * kept, in another; never one already used.
 */
function anchorCandidates(context: RunContext, window: RunWindow, plan: WindowPlan): ProbedAnchor[] {
  const { seed } = context.strategy;
  const adaptive = plan.adaptive!;
  const size = plan.decision!.batchSize;
  const settled: ItemState[] = [];
  for (const state of adaptive.pilot) {
    const [first, second] = [1, 2].map((round) => state.votes.find((vote) => vote.round === round));
    if (first?.confident && second?.confident && String(first.answer) === String(second.answer))
      settled.push(state);
  }
  const inPilot = new Set(adaptive.pilot);
  const spare = shuffled(window.items, hashSeed(seed, window.index, 'spare anchors')).filter((state) => {
    const first = state.votes.find((vote) => vote.round === 1);
    return !inPilot.has(state) && first?.confident === true && first.batchSize <= size;
  });
  return [...shuffled(settled, hashSeed(seed, window.index, 'anchors')), ...spare]
    .filter((state) => !adaptive.anchorsUsed.has(state))
    .map((state) => ({
      // An anchor is asked as an item state of its own: the window keeps the item's own votes.
      copy: {
        index: -1,
        item: state.item,
        tokens: state.tokens,
        votes: [],
        problems: [],
        callFailed: false,
        rounds: 0,
      },
      answers: new Map([...observedVotes(state, 1)].map(([name, vote]) => [name, String(vote.answer)])),
    }));
}

/** The decision is final: the first window publishes it, with the batch size its probes kept. */
function settle(context: RunContext, plan: WindowPlan, skipped?: string): WindowPlan {
  context.adaptive.recordProbe(undefined, skipped);
  context.adaptive.publish(plan.decision!);
  const { probe: _done, ...adaptive } = plan.adaptive!;
  return { ...plan, adaptive: { ...adaptive, settled: true } };
}

/**
 * `early`, stable model: the next batch to try, twice the size kept so far (up to `maxBatchSize`),
 * while a probe pays and can be filled; one more round-1 call at the size kept when the probe
 * needs more anchors than the answers so far give; else the size is final.
 */
function nextProbe(context: RunContext, window: RunWindow, plan: WindowPlan): WindowPlan {
  const { strategy } = context;
  const size = plan.decision!.batchSize;
  const next = Math.min(size * 2, strategy.adaptive.maxBatchSize);
  const wanted = Math.min(strategy.adaptive.probeAnchors, next - 1);
  const fresh = window.active.filter((state) => state.rounds === 0).length;
  if (next <= size || fresh < next - wanted) return settle(context, plan);
  const notPaying = probeWouldNotPay(context, window, size, next, fresh + itemsAfter(context, window));
  if (notPaying !== undefined) return settle(context, plan, notPaying);
  const anchors = anchorCandidates(context, window, plan).slice(0, wanted);
  if (anchors.length < wanted) {
    // More anchors come from one more round-1 call at the size kept, while that leaves a probe's fill.
    return fresh - size >= next - wanted ? plan : settle(context, plan);
  }
  const used = new Set([...plan.adaptive!.anchorsUsed, ...anchors.map((anchor) => anchorOf(window, anchor))]);
  return { ...plan, adaptive: { ...plan.adaptive!, probe: { size: next, anchors }, anchorsUsed: used } };
}

const anchorOf = (window: RunWindow, anchor: ProbedAnchor) =>
  window.items.find((state) => state.item === anchor.copy.item)!;

/** `early`: a probe's answers keep its size (the next may be tried) or end the growth. */
function observeProbe(
  context: RunContext,
  window: RunWindow,
  plan: WindowPlan,
  probe: number,
  anchors: ProbedAnchor[],
) {
  // Each answer an anchor gave again is one observation: each output's, for a task with outputs.
  let compared = 0;
  let agreed = 0;
  for (const anchor of anchors) {
    const given = observedVotes(anchor.copy, 1);
    for (const [name, answer] of anchor.answers) {
      const vote = given.get(name);
      if (vote === undefined) continue;
      compared += 1;
      if (String(vote.answer) === answer) agreed += 1;
    }
  }
  const judged = judgeProbe({ batchSize: probe, anchors: compared, agreed }, context.strategy.adaptive);
  context.adaptive.recordProbe(judged);
  const { probe: _asked, ...adaptive } = plan.adaptive!;
  const next: WindowPlan = { ...plan, adaptive };
  if (!judged.accepted) return settle(context, next);
  return nextProbe(context, window, { ...next, decision: { ...plan.decision!, batchSize: probe } });
}

/**
 * `joint`, after its first calls: a model sure of too few of their answers does not try the
 * larger call; its pilot waits for round 1 at the starting size, as `late`.
 */
function refuseGrowthIfUnsure(context: RunContext, window: RunWindow, plan: WindowPlan): WindowPlan {
  const refused = jointGrowthRefused(window);
  if (refused === undefined) return plan;
  context.adaptive.recordPilotTiming('after-round-1');
  context.adaptive.recordProbe(undefined, refused);
  return { ...plan, adaptive: { ...plan.adaptive!, mode: 'late' } };
}

/** The pilot's answers so far: a decision, or more to ask. */
function observePilot(
  context: RunContext,
  window: RunWindow,
  observed: WindowPlan,
  stage: Stage,
): WindowPlan {
  const { strategy } = context;
  const firstCalls =
    observed.adaptive!.mode === 'joint' && stage.purpose !== 'pilot' && observed.adaptive!.pilot.length === 0;
  const plan = firstCalls ? refuseGrowthIfUnsure(context, window, observed) : observed;
  let adaptive = plan.adaptive!;
  if (adaptive.mode === 'late' && window.items.some((state) => state.rounds === 0)) return plan;
  if (adaptive.mode !== 'late' && stage.purpose !== 'pilot') return plan;
  if (adaptive.mode === 'late')
    adaptive = { ...adaptive, pilotQueue: adaptive.pilotQueue ?? pilotQueue(context, window) };
  // A joint pilot's call holds new items of round 1 too: the pilot is the answers asked again.
  const asked = stage.purpose === 'pilot' ? stage.calls.flat().filter((state) => state.rounds >= 2) : [];
  const pilot = [...adaptive.pilot, ...asked];
  const complete =
    adaptive.mode === 'late'
      ? !adaptive.pilotQueue!.some((call) => call.every((state) => state.rounds === 1))
      : window.active.every((state) => state.rounds > 0) &&
        unpiloted(window, { ...adaptive, pilot }).length === 0;
  const verdict = decidePilot({ pilot: pilotAnswers(pilot), complete }, strategy);
  const next: WindowPlan = { ...plan, adaptive: { ...adaptive, pilot } };
  if (verdict.decision === undefined) return next;
  context.adaptive.recordPilot(verdict, pilot.length);
  const decided: WindowPlan = { ...next, decision: verdict.decision };
  if (adaptive.mode === 'joint') return observeJointPilot(context, window, decided);
  if (adaptive.mode === 'late' || !verdict.decision.stable) return settle(context, decided);
  return nextProbe(context, window, decided);
}

/**
 * `joint`, decided: the larger size the pilot asked its answers again at is kept, or not, by how
 * its answers that were sure in round 1 (each output's, for a task with outputs) repeated their
 * labels there.
 */
function observeJointPilot(context: RunContext, window: RunWindow, plan: WindowPlan): WindowPlan {
  const { strategy } = context;
  const decision = plan.decision!;
  let size = 0;
  let compared = 0;
  let agreed = 0;
  for (const state of plan.adaptive!.pilot) {
    const first = observedVotes(state, 1);
    for (const [name, vote] of observedVotes(state, 2)) {
      const before = first.get(name);
      // Sure answers only, as a probe's anchors: an unsure one changes label at any size.
      if (vote.batchSize <= strategy.batchSize || before?.confident !== true) continue;
      size = Math.max(size, vote.batchSize);
      compared += 1;
      if (String(vote.answer) === String(before.answer)) agreed += 1;
    }
  }
  if (compared === 0) return settle(context, plan);
  const judged = judgePilotSize(
    { batchSize: size, anchors: compared, agreed },
    decision.stable,
    strategy.adaptive,
  );
  context.adaptive.recordProbe(judged);
  if (!judged.accepted) return settle(context, plan);
  return nextProbe(context, window, { ...plan, decision: { ...decision, batchSize: size } });
}

/** What a stage's answers change in an adaptive window's plan. */
export function observeAdaptiveStage(
  context: RunContext,
  window: RunWindow,
  plan: WindowPlan,
  stage: Stage,
): WindowPlan {
  const adaptive = plan.adaptive!;
  if (adaptive.settled) return plan;
  if (typeof stage.purpose === 'object')
    return observeProbe(context, window, plan, stage.purpose.probe, stage.purpose.anchors);
  if (plan.decision === undefined) return observePilot(context, window, plan, stage);
  // `early`, stable: a round-1 call asked for more anchors.
  return nextProbe(context, window, plan);
}

export type { AdaptiveDecision };
