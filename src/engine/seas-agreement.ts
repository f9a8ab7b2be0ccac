import type { StopCondition } from './stop-condition.js';
import { seasShouldStop } from './vote.js';

/** SEAS: from round 2 on, the same answer tagged sure in this round and the one before. */
export function seasAgreement(): StopCondition {
  return (history) => seasShouldStop(history.votes, history.round);
}
