import type { ChatModel } from '../spec/chat-model.js';

/**
 * The wrappers of the model stack in their one order, from the top (the model the engine calls)
 * down to the provider, for online and batch-API models alike:
 * - `cache`, the response cache and run journal: on top, so that a cache hit never waits for a
 *   rate limit nor counts against the budget, and a retried call is stored once, when it succeeds;
 * - `service-tier` (`--service-tier`): above the scheduler, so that its backoff and waits after
 *   flex refusals hold no slot and count against no timeout, and a fallback to standard goes
 *   through the rate limits as any call; it counts each paid call under the tier it ran in;
 * - `scheduler` (online models only): concurrency, rate limits, retries and timeouts. A batch API
 *   paces its jobs itself, and a concurrency limit would split a round across jobs;
 * - `spending-cap`: beneath the scheduler, so that it prices every attempt as it is sent, and not
 *   the calls still queued for a slot; above everything that sends;
 * - `store-gate`: a call that waited while the store failed is not sent, since its reply could not
 *   be kept;
 * - `request-ledger`: last before the provider, so that it sees exactly the requests sent, each
 *   attempt of a retried call apart: it counts them by outcome (billed failures with their tokens)
 *   and stops the run when the last ones all failed the same way, or all held no answer (see
 *   `createRequestLedger`).
 *
 * A queue of remote workers belongs beneath these, in place of the scheduler and the adapter (the
 * workers run those): the cache, the journal and the spending cap stay with the process that
 * decides the rounds, so a cached call never becomes a job and a paid reply is stored once.
 */
export const stackLayerOrder = [
  'cache',
  'service-tier',
  'scheduler',
  'spending-cap',
  'store-gate',
  'request-ledger',
] as const;

export type StackLayerName = (typeof stackLayerOrder)[number];

/** One wrapper of the stack: the model it makes of the one beneath it. */
export interface StackLayer {
  name: StackLayerName;
  wrap: (model: ChatModel) => ChatModel;
}

/**
 * The provider's model under the given layers, put in `stackLayerOrder` whatever order they come
 * in (a layer left out is skipped); returns the top model and the names from the top down.
 */
export function stackModel(
  provider: ChatModel,
  layers: readonly StackLayer[],
): { model: ChatModel; order: StackLayerName[] } {
  const names = new Set(layers.map((layer) => layer.name));
  if (names.size !== layers.length) throw new Error('a model stack layer was given twice');
  const ordered = [...layers].sort(
    (above, below) => stackLayerOrder.indexOf(above.name) - stackLayerOrder.indexOf(below.name),
  );
  return {
    model: ordered.reduceRight((inner, layer) => layer.wrap(inner), provider),
    order: ordered.map((layer) => layer.name),
  };
}
