import type { Answer } from '../parse/normalize-answer.js';
import type { AnswerSpace } from '../task/task-schema.js';

/** What the simulator needs of a task to answer it: its answer space. */
type Task = { readonly answer: AnswerSpace };

import { flipErrorForBatch, positionWeight } from './flip-error.js';
import type { CatalogItem } from './item-catalog.js';
import { itemTraits } from './item-traits.js';
import type { ProfileCalibration, TaskCalibration } from './profiles.js';
import { hashUniforms } from './sim-random.js';

export interface SimAnswer {
  answer: Answer;
  confident: boolean;
  /** Undefined for items without a known gold answer. */
  correct: boolean | undefined;
}

export interface DecideAnswerInput {
  task: Task;
  profile: ProfileCalibration;
  calibration: TaskCalibration;
  seed: number;
  /** Identity of the request: another order, neighbours or batch code gives other draws. */
  requestDigest: string;
  position: number;
  batchSize: number;
  /** The item's identity. */
  itemDigest: string;
  /** The catalogued item, or undefined for an item the simulator was not given. */
  item: CatalogItem | undefined;
}

/** One of the labels other than `answer`, chosen by `draw` in [0, 1); `answer` when there is none. */
export function otherLabel(
  space: { labels: readonly { value: string }[] },
  answer: Answer,
  draw: number,
): Answer {
  const others = space.labels.map((label) => label.value).filter((value) => value !== answer);
  return others[Math.floor(draw * others.length)] ?? answer;
}

/** A wrong answer: another label, a nearby number, or a vague text. */
function wrongAnswer(task: Task, gold: Answer, draw: number): Answer {
  const space = task.answer;
  if (space.type === 'labels') return otherLabel(space, gold, draw);
  if (space.type === 'number' && typeof gold === 'number') {
    // The slips of arithmetic word problems: a step too few or too many (about a tenth off), a
    // quantity counted twice, a misplaced digit. Four kinds, so that the wrong answers of one
    // item often differ from round to round and a vote can still find the right one.
    const step = Math.max(1, Math.round(Math.abs(gold) * 0.1));
    const slips = [gold - step, gold + step, gold === 0 ? 2 : gold * 2, gold + 10 * step];
    return slips[Math.min(slips.length - 1, Math.floor(draw * slips.length))]!;
  }
  return 'not stated';
}

/** What the simulator says for an item it does not know: a fixed guess, rarely tagged sure. */
function guess(task: Task, itemDigest: string, seed: number, confidenceDraw: number): SimAnswer {
  const [guessDraw = 0] = hashUniforms(1, 'guess', seed, itemDigest);
  const space = task.answer;
  const answer: Answer =
    space.type === 'labels'
      ? (space.labels[Math.floor(guessDraw * space.labels.length)]?.value ?? '')
      : space.type === 'number'
        ? 0
        : 'not stated';
  return { answer, confident: confidenceDraw < 0.3, correct: undefined };
}

/**
 * The simulated answer for one item at one position of one request. Hard items are wrong every
 * time (with a fixed wrong answer); the others are wrong with a probability that grows with the
 * batch size, peaks in the middle of the batch and scales with the item's fragility, drawn afresh
 * per (request, position).
 */
export function decideAnswer(input: DecideAnswerInput): SimAnswer {
  const { task, profile, calibration, seed, item } = input;
  const [flipDraw = 0, confidenceDraw = 0, wrongDraw = 0, sameSlipDraw = 1] = hashUniforms(
    4,
    'answer',
    seed,
    input.requestDigest,
    input.position,
    input.itemDigest,
  );
  if (item === undefined || item.gold === undefined)
    return guess(task, input.itemDigest, seed, confidenceDraw);
  const gold = item.gold;
  const traits = itemTraits(seed, item.digest, calibration);
  const [fixedWrongDraw = 0] = hashUniforms(1, 'hard-answer', seed, item.digest);
  if (traits.hard) {
    return {
      answer: wrongAnswer(task, gold, fixedWrongDraw),
      confident: confidenceDraw < (calibration.confidence?.hard ?? profile.confidence.hard),
      correct: false,
    };
  }
  const error = Math.min(
    profile.maxFlipError,
    flipErrorForBatch(calibration, input.batchSize) *
      positionWeight(profile.positionAmplitude, input.position, input.batchSize) *
      traits.fragility,
  );
  if (flipDraw < error) {
    // A model that slips on a problem tends to make the same slip again: the item's own wrong
    // answer, or another one.
    const sameSlip = sameSlipDraw < (calibration.sameSlipShare ?? 0);
    return {
      answer: wrongAnswer(task, gold, sameSlip ? fixedWrongDraw : wrongDraw),
      confident: confidenceDraw < (calibration.confidence?.flipped ?? profile.confidence.flipped),
      correct: false,
    };
  }
  return {
    answer: gold,
    confident: confidenceDraw < (calibration.confidence?.correct ?? profile.confidence.correct),
    correct: true,
  };
}
