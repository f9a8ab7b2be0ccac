import { packInOrder } from '../util/pack-in-order.js';
import type { AdaptiveDecision } from './adaptive-decision.js';
import {
  type AdaptivePlan,
  nextAdaptiveStage,
  observeAdaptiveStage,
  startAdaptivePlan,
} from './adaptive-plan.js';
import type { ItemState } from './item-state.js';
import { permutationSchemes } from './permutation-schemes.js';
import type { RunContext } from './run-context.js';
import { hashSeed, shuffled } from './seeded-random.js';
import type { ResolvedStrategy } from './types.js';

/** One window of a run: its items in input order, and those still voting. */
export interface RunWindow {
  index: number;
  items: ItemState[];
  active: ItemState[];
}

/** An anchor of a probe: a copy of an answered item, asked again, and the answer it gave before. */
export interface ProbedAnchor {
  copy: ItemState;
  /** The round-1 answers the copy is compared with, by output (`''` for a task with one answer). */
  answers: ReadonlyMap<string, string>;
}

/** Calls the loop asks together; an item is asked in the round after those it went through. */
export interface Stage {
  calls: ItemState[][];
  /** What the calls' answers feed: the pilot's decision, or the judgement of a larger batch. */
  purpose?: 'pilot' | { probe: number; anchors: ProbedAnchor[] };
}

/**
 * What a window's plan knows: the decision its stopping conditions and batch size follow
 * (undefined while the first window's pilot is still asking), and under `adaptive` the rule's
 * work in progress in the window.
 */
export interface WindowPlan {
  decision: AdaptiveDecision | undefined;
  adaptive?: AdaptivePlan;
}

/** Packs `order` into the calls of one round: by item count and tokens, later rounds permuted. */
export function packRound(
  strategy: ResolvedStrategy,
  order: readonly ItemState[],
  round: number,
  batchSize: number,
): ItemState[][] {
  const packed = packInOrder(order, {
    maxEntries: batchSize,
    maxSize: strategy.maxBatchTokens,
    sizeOf: (state) => state.tokens,
  });
  return round > 1 ? permutationSchemes[strategy.permutation](packed) : packed;
}

/** The active items that went through the fewest rounds, and the round they are asked in next. */
export function dueItems(window: RunWindow): { round: number; items: ItemState[] } {
  let fewest = Number.POSITIVE_INFINITY;
  for (const state of window.active) fewest = Math.min(fewest, state.rounds);
  return { round: fewest + 1, items: window.active.filter((state) => state.rounds === fewest) };
}

/**
 * The due items' round, asked at once: round 1 in input order, later rounds in a shuffle seeded
 * by the window and round (`first` items lead the list the shuffle starts from).
 */
export function roundStage(
  strategy: ResolvedStrategy,
  window: RunWindow,
  batchSize: number,
  first: readonly ItemState[] = [],
): Stage {
  const due = dueItems(window);
  if (due.round === 1) return { calls: packRound(strategy, due.items, 1, batchSize) };
  const leading = new Set(first);
  const order = [
    ...first.filter((state) => due.items.includes(state)),
    ...due.items.filter((state) => !leading.has(state)),
  ];
  const shuffledOrder = shuffled(order, hashSeed(strategy.seed, window.index, due.round));
  return { calls: packRound(strategy, shuffledOrder, due.round, batchSize) };
}

/** The decision of every rule but `adaptive`: none to wait for, and the batch size as given. */
function fixedDecision(strategy: ResolvedStrategy): AdaptiveDecision {
  return { stable: false, stopsAfterRound1: { sure: false, unsure: false }, batchSize: strategy.batchSize };
}

/** A window's plan at its start; later windows of an adaptive run wait here for the first one's decision. */
export async function startPlan(context: RunContext, window: RunWindow): Promise<WindowPlan> {
  if (context.strategy.earlyStop !== 'adaptive') return { decision: fixedDecision(context.strategy) };
  return startAdaptivePlan(context, window);
}

/** The calls the loop asks next in `window`. */
export function nextStage(context: RunContext, window: RunWindow, plan: WindowPlan): Stage {
  if (plan.adaptive) return nextAdaptiveStage(context, window, plan);
  return roundStage(context.strategy, window, plan.decision?.batchSize ?? context.strategy.batchSize);
}

/** What a stage's answers change in the plan (only the adaptive rule learns from them). */
export function observeStage(
  context: RunContext,
  window: RunWindow,
  plan: WindowPlan,
  stage: Stage,
): WindowPlan {
  return plan.adaptive ? observeAdaptiveStage(context, window, plan, stage) : plan;
}
