import { observedVotes } from './output-votes.js';
import type { RunWindow } from './plan-stage.js';
import type { RunContext } from './run-context.js';

/*
 * The sizes and the threshold of a `joint` pilot (`adaptive-plan.ts`): on a data set too small for
 * a probe with anchors to pay, the first window's pilot asks its answers again inside a larger
 * call of round 1.
 */

/**
 * Most items in the call of a `joint` pilot, and so in the batch it may keep: published work sees
 * answers degrade from about 100 items per prompt, and the pilot asks too few answers again to
 * bound a size's label changes as a probe's anchors do; larger sizes are left to probes.
 */
const pilotSizeCap = 100;

/** The size a `joint` pilot asks its answers again at. */
export function pilotBatchSize(strategy: RunContext['strategy']): number {
  return Math.min(strategy.adaptive.maxBatchSize, pilotSizeCap);
}

/**
 * Answers a `joint` pilot asks again in one call: half a call at the starting size. On a stable
 * model its unsure ones (about one in eight of a first call) mostly decide the test; a data set of
 * a few hundred items cannot pay for more (on RTE, 32 answers asked again cost 2.6% of
 * SinglePrompt's tokens, against a target of 25% where one round alone takes 22%).
 */
export const jointPilotAnswers = (strategy: RunContext['strategy']) => Math.ceil(strategy.batchSize / 2);

/** Calls of round 1 at the starting size a `joint` pilot asks at once before its larger call. */
export const firstJointCalls = 2;

/**
 * The least share of sure answers in a `joint` pilot's first calls for it to try its larger call.
 * In the real-model runs the batch grew without a loss where the model was sure of most answers
 * (RTE 84.5% sure at 32, one round at 64-277 within 0.7 points; BoolQ 86.6%, at 100 a point
 * above SinglePrompt) and lost where it was less often sure (QQP 76.6% sure at 158, 1.9 points
 * under SinglePrompt); growth is tried above the middle of the two.
 */
const minSureShareToGrow = 0.8;

/**
 * `joint`, after its first calls: the share of their round-1 answers (each output's) tagged sure,
 * and why the larger call is not tried when it is below `minSureShareToGrow`.
 */
export function jointGrowthRefused(window: RunWindow): string | undefined {
  let answers = 0;
  let sure = 0;
  for (const state of window.items) {
    for (const vote of observedVotes(state, 1).values()) {
      answers += 1;
      if (vote.confident) sure += 1;
    }
  }
  if (answers === 0 || sure / answers >= minSureShareToGrow) return undefined;
  return `${sure} of the first ${answers} answers were sure (${((sure / answers) * 100).toFixed(1)}%, below ${minSureShareToGrow * 100}%): the batch does not grow before round 1 is complete`;
}
