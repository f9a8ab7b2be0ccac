import type { BatchJobEvent } from '../jobs/batch-api-model.js';

function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  return `${(minutes / 60).toFixed(1)} h`;
}

/** One status line for a batch job event, as `run --batch-api` prints it on stderr. */
export function describeJobEvent(event: BatchJobEvent, now: number = Date.now()): string {
  const { job } = event;
  const name = `batch job ${job.jobId}${job.providerJobId === undefined ? '' : ` (${job.providerJobId})`}`;
  switch (event.type) {
    case 'submitted':
      return `${name}: submitted ${job.requestCount} requests`;
    case 'found':
      return `${name}: found in the store (${job.requestCount} requests, submitted ${duration(now - Date.parse(job.createdAt))} ago); waiting for it instead of submitting again`;
    case 'status': {
      const { counts } = event.state;
      const next = event.nextCheckMs === undefined ? '' : `; next check in ${duration(event.nextCheckMs)}`;
      const progress =
        counts === undefined
          ? `${job.requestCount} requests (the provider reports no progress)`
          : `${counts.succeeded}/${counts.total} done, ${counts.failed} failed`;
      return `${name}: ${event.state.status}, ${progress}, ${duration(now - Date.parse(job.createdAt))} old${next}`;
    }
    case 'ended':
      return `${name}: ${event.state.status}: ${job.counts.succeeded} succeeded, ${job.counts.errored} errored, ${job.counts.expired} expired, ${job.counts.canceled} cancelled`;
    case 'resubmitting':
      return `${name}: ${event.requests} request(s) ${event.reason === 'lost' ? 'never reached the provider' : event.reason === 'errored' ? 'failed' : 'not done'}; they go into a follow-up job`;
  }
}
