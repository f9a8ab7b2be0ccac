import type { AdaptiveDecision } from './adaptive-decision.js';
import type { EarlyStop, ResolvedStrategy } from './types.js';
import { seasShouldStop, type Vote } from './vote.js';

/** What a stopping condition sees of one item: its votes so far and the rounds it went through. */
export interface VoteHistory {
  votes: readonly Vote[];
  /** Rounds the item has been asked in. */
  round: number;
  /**
   * Items of the window due to be asked in the same round as this one next, itself included;
   * absent when other items of the window are due before it.
   */
  peers?: number;
}

/**
 * A stopping condition: true when the item needs no further round. Shaped like the AI SDK's
 * `stopWhen` conditions (`stepCountIs(n)`): a rule is a set of them, and an item stops when any
 * holds. The engine's round loop checks them after every call it makes and is their only exit.
 */
export type StopCondition = (history: VoteHistory) => boolean;

/** Stops an item once it has been through `rounds` rounds (the AI SDK's `stepCountIs`). */
export function roundCountIs(rounds: number): StopCondition {
  return (history) => history.round >= rounds;
}

/** SEAS: from round 2 on, the same answer tagged sure in this round and the one before. */
export function seasAgreement(): StopCondition {
  return (history) => seasShouldStop(history.votes, history.round);
}

/**
 * The last `count` votes all gave one label and none was sure. SEAS would keep asking such an
 * item to the last round (it wants two sure votes); on a model that is unsure but consistent,
 * the rounds after would only repeat the label.
 */
export function unsureAgreement(count: number): StopCondition {
  return (history) => {
    if (history.votes.length < count) return false;
    const last = history.votes.slice(-count);
    return last.every((vote) => !vote.confident && String(vote.answer) === String(last[0]!.answer));
  };
}

/**
 * The pilot's decision on a stable model: an item whose round-1 answer is of a stratum that stops
 * (sure, unsure) stops after round 1, or after round 2 if it was asked again before the decision
 * and round 2 repeated its label. A round-1 answer from a call larger than the decided batch size
 * (a probe whose size was not kept) does not count.
 */
export function pilotDecision(decision: AdaptiveDecision): StopCondition {
  return ({ votes, round }) => {
    const first = votes.find((vote) => vote.round === 1);
    if (first === undefined || first.batchSize > decision.batchSize) return false;
    if (!decision.stopsAfterRound1[first.confident ? 'sure' : 'unsure']) return false;
    if (round === 1) return true;
    const second = votes.find((vote) => vote.round === 2);
    return round === 2 && second !== undefined && String(second.answer) === String(first.answer);
  };
}

/**
 * A round after the first that would ask fewer than `minimum` items of a window: on a model the
 * pilot found stable, those items keep the votes they have rather than pay a call's instruction.
 */
export function fewLeft(minimum: number): StopCondition {
  return ({ round, peers }) => round >= 1 && peers !== undefined && peers < minimum;
}

/** Why an item stopped: the name of the first condition of its rule that held. */
export type StopReason = 'rounds' | 'seas' | 'pilot' | 'unsure' | 'few';

/** A stopping rule: named conditions, checked in this order (a stop counts under the first that holds). */
export type StopConditions = Partial<Record<StopReason, StopCondition>>;

/**
 * The registered stopping rules: what each `earlyStop` name stops an item on. `adaptive` adds the
 * pilot's decision once it found the model stable; until then, and on an order-dependent model,
 * it is SEAS. A new condition is a function above, its test, and an entry here.
 */
export const stoppingRules: Readonly<
  Record<EarlyStop, (strategy: ResolvedStrategy, decision?: AdaptiveDecision) => StopConditions>
> = {
  none: (strategy) => ({ rounds: roundCountIs(strategy.rounds) }),
  seas: (strategy) => ({ rounds: roundCountIs(strategy.rounds), seas: seasAgreement() }),
  adaptive: (strategy, decision) => ({
    rounds: roundCountIs(strategy.rounds),
    seas: seasAgreement(),
    ...(decision?.stable
      ? {
          pilot: pilotDecision(decision),
          unsure: unsureAgreement(strategy.adaptive.unsureRoundCap),
          few: fewLeft(strategy.adaptive.minRoundItems),
        }
      : {}),
  }),
};

/** The first condition of `conditions` that holds, or undefined when the item goes on. */
export function stopReason(conditions: StopConditions, history: VoteHistory): StopReason | undefined {
  for (const [reason, condition] of Object.entries(conditions) as [StopReason, StopCondition][]) {
    if (condition(history)) return reason;
  }
  return undefined;
}
