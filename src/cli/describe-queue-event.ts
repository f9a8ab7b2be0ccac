import type { QueueEvent } from '../queue/queued-model.js';

/** One line on stderr for what the job queue of a `--queue` run reports. */
export function describeQueueEvent(event: QueueEvent): string {
  switch (event.type) {
    case 'queue-connected':
      return `queue: calls go to ${event.queue} at ${event.redis}; ${event.workers} worker(s) listening now`;
    case 'queue-lost':
      return `queue: lost Redis at ${event.redis}${event.error ? ` (${event.error})` : ''}; waiting for it to come back`;
    case 'queue-back':
      return `queue: Redis is back${event.resubmitted > 0 ? `; ${event.resubmitted} job(s) it had lost were submitted again` : ''}`;
    case 'queue-unavailable':
      return `queue: Redis at ${event.redis} out of reach for ${Math.round(event.waitedMs / 1000)} s; stopping`;
  }
}
