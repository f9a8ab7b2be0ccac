import type { ServiceTierStats } from '../stack/create-service-tier-layer.js';

/** The summary's row for `--service-tier`: the calls of each tier, and what flex refused. */
export function serviceTierRow(stats: ServiceTierStats): [string, string] {
  const tiers = Object.entries(stats.byTier)
    .map(([tier, account]) => `${tier} ${account.calls}`)
    .join(', ');
  const refused =
    stats.refusals === 0
      ? ''
      : `; flex refused ${stats.refusals} time(s), ${stats.fallbacks} call(s) ran in standard instead, ${stats.waits} wait(s)`;
  return ['calls by service tier', `${tiers === '' ? 'none' : tiers}${refused}`];
}
