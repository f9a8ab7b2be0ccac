import type { SchedulerEvent } from '../runtime/resolve-scheduler-options.js';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/**
 * The stderr line for a scheduler event worth a user's attention: a retry and its wait, or a
 * rate-limit pause. Waits for the configured rate limits are the plan, not news: no line.
 */
export function describeSchedulerEvent(event: SchedulerEvent): string | undefined {
  switch (event.type) {
    case 'retry': {
      // Errors reach the scheduler through toModelError, which has already redacted the key.
      const reason = event.error instanceof Error ? event.error.message : String(event.error);
      return `warning: ${event.modelId}: attempt ${event.attempt} failed (${reason}); retrying in ${seconds(event.delayMs)}`;
    }
    case 'rate-limited':
      return `warning: ${event.modelId}: rate limited (429); every call waits ${seconds(event.pauseMs)}`;
    default:
      return undefined;
  }
}

/** Writes the event's line, if it has one, to stderr: retries are never silent. */
export function printSchedulerEvent(event: SchedulerEvent): void {
  const line = describeSchedulerEvent(event);
  if (line !== undefined) process.stderr.write(`${line}\n`);
}
