/** The standard normal quantile for a one-sided confidence level (Acklam's rational approximation). */
function normalQuantile(probability: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (probability < low) {
    const q = Math.sqrt(-2 * Math.log(probability));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (probability > 1 - low) return -normalQuantile(1 - probability);
  const q = probability - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/**
 * The upper end of the one-sided Wilson score interval for a rate of `events` in `trials`: with
 * probability `confidence`, the true rate is at most this. Unlike the point estimate it stays
 * high when few trials were seen (0 of 10 gives 0.15 at 90%), which is what keeps a small pilot
 * from declaring a rate of zero. No trials give 1: nothing is known.
 */
export function wilsonUpperBound(events: number, trials: number, confidence: number): number {
  return wilsonBound(events, trials, confidence, 1);
}

/** The one-sided Wilson lower bound of a rate at `confidence`: 0 when nothing was tried. */
export function wilsonLowerBound(events: number, trials: number, confidence: number): number {
  return trials <= 0 ? 0 : wilsonBound(events, trials, confidence, -1);
}

function wilsonBound(events: number, trials: number, confidence: number, side: 1 | -1): number {
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`Expected \`confidence\` to be between 0 and 1, got \`${confidence}\``);
  }
  if (trials <= 0) return 1;
  const z = normalQuantile(confidence);
  const rate = Math.min(1, Math.max(0, events / trials));
  const zz = z * z;
  const center = rate + zz / (2 * trials);
  const spread = z * Math.sqrt((rate * (1 - rate)) / trials + zz / (4 * trials * trials));
  return Math.min(1, Math.max(0, (center + side * spread) / (1 + zz / trials)));
}
