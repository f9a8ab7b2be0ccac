import type { TaskCalibration } from './profiles.js';
import { hashUniforms } from './sim-random.js';

export interface ItemTraits {
  /** Answered wrong in every order, batch and round. */
  hard: boolean;
  /** Multiplier on the item's error when it is not hard; mean 1 over items. */
  fragility: number;
}

/** The fixed latent traits of an item, from a hash of the seed and the item's text alone. */
export function itemTraits(seed: number, itemKey: string, calibration: TaskCalibration): ItemTraits {
  const [hardDraw = 0, fragilityDraw = 0] = hashUniforms(2, 'traits', seed, itemKey);
  const spread = calibration.fragilitySpread;
  // Exp(1) by inversion; 1 - draw is in (0, 1], so the logarithm is finite.
  const exponential = -Math.log(1 - fragilityDraw);
  return {
    hard: hardDraw < calibration.hardShare,
    fragility: Math.max(0, 1 - spread + spread * exponential),
  };
}
