import type { Answer } from '../parse/normalize-answer.js';
import type { AnswerSpace } from '../task/task-schema.js';

/** What the simulator needs of a task to answer it: its answer space. */
type Task = { readonly answer: AnswerSpace };

import { otherLabel, type SimAnswer } from './decide-answer.js';
import type { StableProfileCalibration, StableTaskCalibration } from './frontier-profile.js';
import type { CatalogItem } from './item-catalog.js';
import { hashUniforms } from './sim-random.js';

export interface DecideStableAnswerInput {
  task: Task;
  profile: StableProfileCalibration;
  calibration: StableTaskCalibration;
  seed: number;
  /** Identity of the request: another order, neighbours or batch code gives other noise draws. */
  requestDigest: string;
  position: number;
  batchSize: number;
  /** The catalogued item with its gold answer. */
  item: CatalogItem & { gold: Answer };
  /**
   * The item's place in the seed's order of the items the model knows, in (0, 1)
   * (`createBeliefQuantiles`): it decides the item's belief, so that the calibrated shares hold
   * over those items. @default a draw from a hash of (seed, item), for an item outside them
   */
  beliefQuantile?: number;
}

/** Another answer than `answer`: the next label (a random one of the others), a nearby number, or a vague text. */
function otherAnswer(task: Task, answer: Answer, draw: number): Answer {
  const space = task.answer;
  if (space.type === 'labels') return otherLabel(space, answer, draw);
  if (space.type === 'number' && typeof answer === 'number') {
    const step = Math.max(1, Math.round(Math.abs(answer) * 0.1));
    return draw < 0.5 ? answer - step : answer + step;
  }
  return answer === 'not stated' ? 'unclear' : 'not stated';
}

/** The per-request slip at a batch size: linear in log(size) between anchors, flat outside them. */
export function stableSlipForBatch(profile: StableProfileCalibration, batchSize: number): number {
  const anchors = profile.slipBySize;
  const size = Math.max(1, batchSize);
  const first = anchors[0];
  if (first === undefined) return 0;
  if (size <= first[0]) return first[1];
  for (let index = 1; index < anchors.length; index += 1) {
    const [lowSize, lowSlip] = anchors[index - 1]!;
    const [highSize, highSlip] = anchors[index]!;
    if (size <= highSize) {
      const share = (Math.log(size) - Math.log(lowSize)) / (Math.log(highSize) - Math.log(lowSize));
      return lowSlip + share * (highSlip - lowSlip);
    }
  }
  return anchors[anchors.length - 1]![1];
}

/**
 * Whether the model is sure of an item and whether its belief is right, from the item's quantile:
 * the lowest `sureShare x sureAccuracy` of the order are sure and right, the rest of the lowest
 * `sureShare` sure and wrong, then unsure and right, then unsure and wrong.
 */
export function stableBelief(
  calibration: StableTaskCalibration,
  quantile: number,
): { sure: boolean; right: boolean } {
  const { sureShare, sureAccuracy, unsureAccuracy } = calibration;
  if (quantile < sureShare) return { sure: true, right: quantile < sureShare * sureAccuracy };
  return { sure: false, right: quantile - sureShare < (1 - sureShare) * unsureAccuracy };
}

/**
 * The answer of the `frontier` profile for one item at one position of one request. The item's
 * belief (its usual answer, right or wrong) and whether the model is sure of it are fixed by the
 * item's quantile (or, for an item the model does not know, a hash of the seed and the item's
 * text), so they repeat whatever the order, neighbours and round; only the relabel, the
 * batch-size slip and the confidence tag are drawn per (request, position).
 */
export function decideStableAnswer(input: DecideStableAnswerInput): SimAnswer {
  const { task, profile, calibration, seed, item } = input;
  const [quantileDraw = 0, wrongDraw = 0] = hashUniforms(2, 'belief', seed, item.digest);
  const [relabelDraw = 0, slipDraw = 0, tagDraw = 0, otherDraw = 0] = hashUniforms(
    4,
    'stable-answer',
    seed,
    input.requestDigest,
    input.position,
    item.digest,
  );
  const { sure, right } = stableBelief(calibration, input.beliefQuantile ?? quantileDraw);
  const belief = right ? item.gold : otherAnswer(task, item.gold, wrongDraw);
  const moved =
    relabelDraw < (sure ? profile.relabel.sure : profile.relabel.unsure) ||
    slipDraw < stableSlipForBatch(profile, input.batchSize);
  const answer = moved ? otherAnswer(task, belief, otherDraw) : belief;
  return {
    answer,
    confident: tagDraw < (sure ? profile.sureTag.sureItem : profile.sureTag.unsureItem),
    correct: answer === item.gold,
  };
}
