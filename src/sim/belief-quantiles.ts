import { finalMix } from '../util/hash-table-64.js';
import { catalogKey, type ItemCatalog } from './item-catalog.js';
import { hashUniforms } from './sim-random.js';

/**
 * Where each labelled item of the catalog stands in an order drawn from the seed, as a quantile
 * (rank + offset) / count in [0, 1). The `frontier` profile gives a known item its belief from
 * its quantile (sure and right below one threshold, sure and wrong below the next, and so on), so
 * that over the items the simulator knows each share of the calibration holds to within an item,
 * whatever the seed: a seed changes which items the model gets wrong, not how many. A real model
 * does not change its mind about an item between two runs either; drawing each belief on its own
 * would make the accuracy of one seed scatter by the binomial spread (2.6 points on QQP's 158
 * items), which is the uncertainty of the fit, not a spread any run of the model would show. The
 * offset, in [0, 1), is drawn from the seed too: a share s of the items falls below s x count
 * rounded down or up as the offset falls, so the count is s x count on average over seeds rather
 * than rounded the same way on every seed.
 *
 * The order is built on the first question and again whenever the catalog has grown since: a
 * sorted array of one 53-bit key per labelled item (8 bytes an item), each question a binary
 * search in it.
 */
export function createBeliefQuantiles(catalog: ItemCatalog, seed: number) {
  const [seedDraw = 0, offset = 0.5] = hashUniforms(2, 'belief-order', seed);
  const seedMix = Math.floor(seedDraw * 2 ** 32);
  /** A key per item, uniform and independent from seed to seed, from the item's 64-bit digest. */
  const orderKey = (high: number, low: number) => {
    const first = finalMix(high ^ seedMix);
    const second = finalMix(((low ^ first) + seedMix) | 0);
    return first * 2 ** 21 + (second >>> 11);
  };
  let sortedKeys = new Float64Array(0);
  let builtForSize = -1;

  function build(): void {
    const keys = new Float64Array(catalog.size);
    let count = 0;
    catalog.forEachLabelled((high, low) => {
      keys[count] = orderKey(high, low);
      count += 1;
    });
    sortedKeys = keys.subarray(0, count).sort();
    builtForSize = catalog.size;
  }

  return {
    /** The item's quantile, or undefined for an item that is not a labelled item of the catalog. */
    quantileOf(digest: string): number | undefined {
      if (builtForSize !== catalog.size) build();
      const key = orderKey(...catalogKey(digest));
      let low = 0;
      let high = sortedKeys.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (sortedKeys[middle]! < key) low = middle + 1;
        else high = middle;
      }
      return sortedKeys[low] === key ? (low + offset) / sortedKeys.length : undefined;
    },
  };
}
