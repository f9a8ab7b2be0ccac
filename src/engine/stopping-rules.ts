import { roundCountIs } from './round-count-is.js';
import { seasAgreement } from './seas-agreement.js';
import type { StopCondition } from './stop-condition.js';
import type { EarlyStop, ResolvedStrategy } from './types.js';
import { unsureAgreement } from './unsure-agreement.js';

/**
 * The registered stopping rules: what each `earlyStop` name stops an item on after its rounds
 * (from round 2 for the voting rules). `adaptive` also stops whole strata after round 1 by its
 * pilot's decision, which `run-adaptive-window.ts` applies before these.
 */
export const stoppingRules: Readonly<Record<EarlyStop, (strategy: ResolvedStrategy) => StopCondition[]>> = {
  none: (strategy) => [roundCountIs(strategy.rounds)],
  seas: (strategy) => [seasAgreement(), roundCountIs(strategy.rounds)],
  adaptive: (strategy) => [
    seasAgreement(),
    unsureAgreement(strategy.adaptive.unsureRoundCap),
    roundCountIs(strategy.rounds),
  ],
};
