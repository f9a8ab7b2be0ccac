import { balancePositions } from './balance-positions.js';
import type { ItemState } from './item-state.js';

/** A permutation scheme: how the calls of a round after the first order their items. */
export type PermutationScheme = (batches: ItemState[][]) => ItemState[][];

/**
 * The registered schemes, by the name `permutation` takes. Every round after the first is already
 * a seeded shuffle of its items, cut into calls; a scheme may reorder the items inside each call.
 * Adding one is a file with its function and test, and a line here (and in the option's list).
 */
export const permutationSchemes = {
  random: (batches) => batches,
  balanced: (batches) => batches.map(balancePositions),
} as const satisfies Record<string, PermutationScheme>;

export type PermutationName = keyof typeof permutationSchemes;

export const permutationNames = Object.keys(permutationSchemes) as PermutationName[];
