import type { Item } from './types.js';
import type { Vote } from './vote.js';

/** What the engine knows of one item while a run is under way. */
export interface ItemState {
  index: number;
  item: Item;
  tokens: number;
  votes: Vote[];
  /** Problems of rounds that gave this item no vote. */
  problems: string[];
  /** True when a call for this item failed outright (as opposed to a reply without its answer). */
  callFailed: boolean;
  rounds: number;
}
