import type { Redis } from 'ioredis';
import { delay } from '../runtime/delay.js';

/** A job's end as BullMQ writes it to the queue's events stream. */
export type JobEnd = { jobId: string; returnvalue: string } | { jobId: string; failedReason: string };

/**
 * Reads the `completed` and `failed` entries of a queue's events stream (`<prefix>:<queue>:events`)
 * on a connection of its own, and hands each to `onEnd`. BullMQ's `QueueEvents` does the same, but
 * on a copy of the connection that it waits on to close: with Redis away that wait never ends and
 * the copy goes on reconnecting. Here the caller owns the connection and `stop` ends the loop at
 * once. Each read goes on from the last entry read, so none is missed while the connection holds;
 * entries lost with a restarted Redis are made up for by the caller's own look-ups.
 */
export function followJobEnds(
  client: Redis,
  streamKey: string,
  onEnd: (end: JobEnd) => void,
): { stop: () => void } {
  let stopped = false;
  const loop = async () => {
    // '$': what is added after the first read starts; then each read continues from the last id.
    let lastId = '$';
    while (!stopped) {
      try {
        const reply = await client.xread('BLOCK', 2_000, 'STREAMS', streamKey, lastId);
        for (const [, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            lastId = id;
            const end = jobEnd(fields);
            if (end !== undefined) onEnd(end);
          }
        }
      } catch {
        // The connection broke or was closed: the client reconnects by itself.
        if (!stopped) await delay(200);
      }
    }
  };
  void loop();
  return {
    stop: () => {
      stopped = true;
    },
  };
}

function jobEnd(fields: string[]): JobEnd | undefined {
  const entry = new Map<string, string>();
  for (let index = 0; index + 1 < fields.length; index += 2) entry.set(fields[index]!, fields[index + 1]!);
  const jobId = entry.get('jobId');
  if (jobId === undefined) return undefined;
  const event = entry.get('event');
  if (event === 'completed') return { jobId, returnvalue: entry.get('returnvalue') ?? 'null' };
  if (event === 'failed') return { jobId, failedReason: entry.get('failedReason') ?? '' };
  return undefined;
}
