import { type AdaptiveDecision, decidePilot, judgeProbe, probedBatchSize } from './adaptive-decision.js';
import type { ProbeAnchor } from './adaptive-run.js';
import type { ItemState } from './item-state.js';
import { packBatches } from './pack-batches.js';
import { permutationSchemes } from './permutation-schemes.js';
import type { RunContext } from './run-context.js';
import type { RunWindow } from './run-window.js';
import { hashSeed, shuffled } from './seeded-random.js';
import type { ResolvedStrategy } from './types.js';

/** Calls the loop asks together; an item is asked in the round after those it went through. */
export interface Stage {
  calls: ItemState[][];
  /** A call of the first window's pilot (its answers feed the decision), or a batch-size probe. */
  purpose?: 'pilot' | { probe: number; anchors: ProbedAnchor[] };
}

/** An anchor of a probe: a copy of a settled item, asked again, and the answer it settled on. */
interface ProbedAnchor {
  copy: ItemState;
  answer: string;
}

/**
 * What a window's plan knows: the decision that its stopping conditions and its batch size
 * follow (undefined while the first window's pilot is still asking), and the adaptive rule's
 * work in progress in the window.
 */
export interface WindowPlan {
  decision: AdaptiveDecision | undefined;
  /** The first window: SEAS's round-2 calls, those with the most unsure round-1 answers first. */
  pilotQueue?: ItemState[][];
  /** The first window: the items the pilot asked in round 2, in the order it asked them. */
  pilot: ItemState[];
  /** The second window of a stable run: the next larger batch to try, while probes go on. */
  probe?: { size: number; anchors: ProbeAnchor[] };
  anchorsUsed: number;
}

/** Packs `order` into the calls of one round: by item count and tokens, later rounds permuted. */
export function packRound(
  strategy: ResolvedStrategy,
  order: readonly ItemState[],
  round: number,
  batchSize: number,
): ItemState[][] {
  const packed = packBatches(order, {
    batchSize,
    maxBatchTokens: strategy.maxBatchTokens,
    tokensOf: (state) => state.tokens,
  });
  return round > 1 ? permutationSchemes[strategy.permutation](packed) : packed;
}

/** The active items that went through the fewest rounds: those the loop asks next. */
function dueItems(window: RunWindow): { round: number; items: ItemState[] } {
  let fewest = Number.POSITIVE_INFINITY;
  for (const state of window.active) fewest = Math.min(fewest, state.rounds);
  return { round: fewest + 1, items: window.active.filter((state) => state.rounds === fewest) };
}

const decisionOf = (strategy: ResolvedStrategy): AdaptiveDecision => ({
  stable: false,
  stopsAfterRound1: { sure: false, unsure: false },
  batchSize: strategy.batchSize,
});

/**
 * A window's plan at its start. Every rule but `adaptive` has its decision from the outset; under
 * `adaptive` the first window makes it, the second waits for it and then probes larger batches
 * (for a stable model), and the others wait for both.
 */
export async function startPlan(context: RunContext, window: RunWindow): Promise<WindowPlan> {
  const { strategy } = context;
  const plan: WindowPlan = { decision: decisionOf(strategy), pilot: [], anchorsUsed: 0 };
  if (strategy.earlyStop !== 'adaptive') return plan;
  if (window.index === 0) return { ...plan, decision: undefined };
  const decision = await context.adaptive.decision;
  if (!decision.stable) return { ...plan, decision };
  if (window.index > 1)
    return { ...plan, decision: { ...decision, batchSize: await context.adaptive.batchSize } };
  return nextProbe(context, window, { ...plan, decision });
}

/** The calls the loop asks next in `window`. */
export function nextStage(context: RunContext, window: RunWindow, plan: WindowPlan): Stage {
  const { strategy } = context;
  const due = dueItems(window);
  const size = plan.decision?.batchSize ?? strategy.batchSize;
  if (due.round === 1)
    return plan.probe
      ? probeStage(context, window, plan.probe)
      : { calls: packRound(strategy, due.items, 1, size) };
  if (plan.pilotQueue && due.round === 2) {
    const waiting = plan.pilotQueue.filter((call) => call.every((state) => state.rounds === 1));
    // The pilot asks SEAS's round-2 calls one at a time; an order-dependent model gets the rest.
    if (plan.decision === undefined) return { calls: waiting.slice(0, 1), purpose: 'pilot' };
    if (!plan.decision.stable) return { calls: waiting };
    // A stable model: round 2 for the items whose stratum goes on, packed anew.
    const order = shuffled(due.items, hashSeed(strategy.seed, window.index, 'u', 2));
    return { calls: packRound(strategy, order, 2, size) };
  }
  // The pilot's items go first in the shuffle of a stable first window (the order it asked them).
  const pilotFirst = plan.decision?.stable && plan.pilot.length > 0;
  const inPilot = new Set(pilotFirst ? plan.pilot : []);
  const items = pilotFirst
    ? [
        ...plan.pilot.filter((state) => due.items.includes(state)),
        ...due.items.filter((state) => !inPilot.has(state)),
      ]
    : due.items;
  return {
    calls: packRound(
      strategy,
      shuffled(items, hashSeed(strategy.seed, window.index, due.round)),
      due.round,
      size,
    ),
  };
}

function probeStage(context: RunContext, window: RunWindow, probe: NonNullable<WindowPlan['probe']>): Stage {
  const { strategy } = context;
  // An anchor is asked as an item state of its own: its finished window keeps its results.
  const anchors = probe.anchors.map((anchor) => ({
    copy: {
      index: -1,
      item: anchor.item,
      tokens: anchor.tokens,
      votes: [],
      problems: [],
      callFailed: false,
      rounds: 0,
    },
    answer: anchor.answer,
  }));
  const newcomers = window.active.filter((state) => state.rounds === 0).slice(0, probe.size - anchors.length);
  const order = shuffled(
    [...anchors.map((anchor) => anchor.copy), ...newcomers],
    hashSeed(strategy.seed, window.index, 'probe', probe.size),
  );
  return { calls: packRound(strategy, order, 1, probe.size), purpose: { probe: probe.size, anchors } };
}

/** Anchors kept for the probes: each of the doublings up to the largest size takes its own. */
export function anchorPoolSize(strategy: ResolvedStrategy): number {
  const doublings = Math.max(1, Math.ceil(Math.log2(strategy.adaptive.maxBatchSize / strategy.batchSize)));
  return strategy.adaptive.probeAnchors * doublings;
}

/**
 * The next larger batch to try, or the batch size settled: sizes double while probes pay. A probe
 * costs its anchors' tokens once; a larger batch saves the fixed prompt of the calls it makes
 * unnecessary on the items still to come. Probe only when that saving is larger.
 */
function nextProbe(context: RunContext, window: RunWindow, plan: WindowPlan): WindowPlan {
  const { strategy } = context;
  const options = strategy.adaptive;
  const size = plan.decision!.batchSize;
  const { anchors } = context.adaptive;
  const fresh = window.active.filter((state) => state.rounds === 0).length;
  const next = Math.min(size * 2, options.maxBatchSize);
  const settle = (skipped?: string): WindowPlan => {
    context.adaptive.settleBatchSize(size, skipped);
    const { probe: _done, ...settled } = plan;
    return settled;
  };
  if (fresh === 0 || anchors.length === 0 || next <= size) return settle();
  const meanItemTokens = anchors.reduce((sum, anchor) => sum + anchor.tokens, 0) / anchors.length;
  const itemsToCome = fresh + itemsAfter(context, window);
  const fixed = context.fixedTokensPerCall(window.items[0]);
  const saving = fixed * (Math.ceil(itemsToCome / size) - Math.ceil(itemsToCome / next));
  const probeCost =
    Math.min(options.probeAnchors, anchors.length) *
    (meanItemTokens + context.tokensPerAnswer(strategy.format));
  if (saving <= probeCost) {
    return settle(
      `a probe at ${next} would cost about ${Math.round(probeCost)} tokens and save about ${Math.max(0, Math.round(saving))} on the ${itemsToCome} items to come`,
    );
  }
  // Each probe takes the next anchors in the pool's order, settled ones first.
  const chosen = anchors.slice(plan.anchorsUsed, plan.anchorsUsed + Math.min(options.probeAnchors, next - 1));
  if (chosen.length === 0) return settle();
  return { ...plan, probe: { size: next, anchors: chosen }, anchorsUsed: plan.anchorsUsed + chosen.length };
}

/** Items expected after this window: known from the caller's total, or a guess from a full window. */
function itemsAfter(context: RunContext, window: RunWindow): number {
  const { itemsTotal } = context.options;
  const { windowSize } = context.strategy;
  if (itemsTotal !== undefined)
    return Math.max(0, itemsTotal - (window.items[0]?.index ?? 0) - window.items.length);
  return window.items.length === windowSize ? windowSize : 0;
}

/**
 * Settled pilot answers in a shuffled order, then sure round-1 answers of the window: a model just
 * found stable repeats a sure answer almost always, so they fill up what the probes may want.
 */
function probeAnchors(context: RunContext, window: RunWindow, pilot: readonly ItemState[]): ProbeAnchor[] {
  const { seed } = context.strategy;
  const settled: ProbeAnchor[] = [];
  for (const state of pilot) {
    const [first, second] = [1, 2].map((round) => state.votes.find((vote) => vote.round === round));
    if (first?.confident && second?.confident && String(first.answer) === String(second.answer)) {
      settled.push({ item: state.item, tokens: state.tokens, answer: String(first.answer) });
    }
  }
  const inPilot = new Set(pilot);
  const spare: ProbeAnchor[] = [];
  for (const state of shuffled(window.items, hashSeed(seed, window.index, 'spare anchors'))) {
    if (settled.length + spare.length >= anchorPoolSize(context.strategy)) break;
    const first = state.votes.find((vote) => vote.round === 1);
    if (inPilot.has(state) || !first?.confident) continue;
    spare.push({ item: state.item, tokens: state.tokens, answer: String(first.answer) });
  }
  return [...shuffled(settled, hashSeed(seed, window.index, 'anchors')), ...spare];
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
  // Whether an unsure answer comes back sure tells the two kinds of model apart fastest.
  const unsureIn = (call: readonly ItemState[]) =>
    call.filter((state) => state.votes.find((vote) => vote.round === 1)?.confident === false).length;
  return calls
    .map((call, index) => ({ call, index, unsure: unsureIn(call) }))
    .sort((a, b) => b.unsure - a.unsure || a.index - b.index)
    .map(({ call }) => call);
}

/**
 * What a stage's answers change in the plan: a pilot call may decide (the first window publishes
 * its decision to the others), a probe keeps or rejects its size.
 */
export function observeStage(
  context: RunContext,
  window: RunWindow,
  plan: WindowPlan,
  stage: Stage,
): WindowPlan {
  const { strategy } = context;
  if (strategy.earlyStop !== 'adaptive') return plan;
  if (typeof stage.purpose === 'object') {
    const { probe, anchors } = stage.purpose;
    const answered = anchors.filter((anchor) => anchor.copy.votes.length > 0);
    const agreed = answered.filter((anchor) => String(anchor.copy.votes[0]!.answer) === anchor.answer).length;
    const judged = judgeProbe({ batchSize: probe, anchors: answered.length, agreed }, strategy.adaptive);
    context.adaptive.probed(judged);
    const batchSize = probedBatchSize(plan.decision!.batchSize, [judged]);
    const next = { ...plan, decision: { ...plan.decision!, batchSize } };
    if (!judged.accepted) {
      context.adaptive.settleBatchSize(batchSize);
      const { probe: _rejected, ...settled } = next;
      return settled;
    }
    return nextProbe(context, window, next);
  }
  if (window.index !== 0 || plan.decision !== undefined) return plan;
  if (window.items.some((state) => state.rounds === 0)) return plan;
  const pilotQueueNow = plan.pilotQueue ?? (strategy.rounds < 2 ? [] : pilotQueue(context, window));
  const pilot = stage.purpose === 'pilot' ? [...plan.pilot, ...stage.calls.flat()] : plan.pilot;
  const complete = !pilotQueueNow.some((call) => call.every((state) => state.rounds === 1));
  const verdict = decidePilot({ pilot, complete }, strategy);
  const next: WindowPlan = { ...plan, pilotQueue: pilotQueueNow, pilot };
  if (verdict.decision === undefined) return next;
  const anchors = verdict.decision.stable ? probeAnchors(context, window, pilot) : [];
  context.adaptive.decide(verdict, pilot.length, anchors);
  return { ...next, decision: verdict.decision };
}
