import type { OutputState } from './output-votes.js';
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
  /**
   * A task with several outputs: each output's own votes and whether it settled. `votes` then
   * holds the row's vote per round (every output's answer joined), which the adaptive rule reads.
   */
  outputs?: Map<string, OutputState>;
}
