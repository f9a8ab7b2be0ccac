import type { ServiceTierEvent } from '../stack/create-service-tier-layer.js';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** The stderr line for a flex refusal: what the call does next, so a slow run says why. */
export function describeTierEvent(event: ServiceTierEvent): string {
  const { next } = event;
  const refused = `warning: ${event.modelId}: flex refused the call (429, ${event.refusals} in a row)`;
  switch (next.reason) {
    case 'fallback':
      return `${refused}; running it in standard (--service-tier auto)`;
    case 'wait':
      return `${refused}; waiting ${seconds(next.afterMs)} before asking flex again (--service-tier flex; auto would run it in standard)`;
    default:
      return `${refused}; asking flex again in ${seconds(next.afterMs)}`;
  }
}
