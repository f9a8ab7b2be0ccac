import type { TaskCalibration } from './profiles.js';

/** The per-answer error of an average non-hard item asked alone, from the published accuracy. */
export function singleFlipError(calibration: TaskCalibration): number {
  return Math.max(0, 1 - calibration.singleAccuracy / (1 - calibration.hardShare));
}

/**
 * The per-answer error of an average non-hard item in a batch of `batchSize` items, averaged over
 * positions: linear in log(batch size) between the calibration's anchors, extended past the last
 * anchor with the last slope (capped at 0.5: past that the model would be worse than a coin).
 */
export function flipErrorForBatch(calibration: TaskCalibration, batchSize: number): number {
  const anchors: (readonly [number, number])[] = [
    [1, singleFlipError(calibration)],
    ...calibration.flipErrorBySize,
  ];
  const size = Math.max(1, batchSize);
  for (let index = 1; index < anchors.length; index += 1) {
    const [lowSize, lowError] = anchors[index - 1]!;
    const [highSize, highError] = anchors[index]!;
    if (size <= highSize || index === anchors.length - 1) {
      const share = (Math.log(size) - Math.log(lowSize)) / (Math.log(highSize) - Math.log(lowSize));
      return Math.min(0.5, Math.max(0, lowError + share * (highError - lowError)));
    }
  }
  return anchors[0]![1];
}

/**
 * How much harder position `position` (0-based) of a batch of `batchSize` is than the average
 * position: 1 + amplitude * (bump - 2/3), where bump = 1 - (2x - 1)^2 peaks in the middle and
 * averages 2/3 over the batch, so the batch's mean error stays `flipErrorForBatch`.
 */
export function positionWeight(amplitude: number, position: number, batchSize: number): number {
  if (batchSize <= 1) return 1;
  const relative = (position + 0.5) / batchSize;
  const bump = 1 - (2 * relative - 1) ** 2;
  return Math.max(0, 1 + amplitude * (bump - 2 / 3));
}
