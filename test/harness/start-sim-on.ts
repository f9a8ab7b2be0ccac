import { type SimServer, type SimServerOptions, startSimServer } from '../../src/sim/serve.js';
import { loadItems } from '../../src/source/load-items.js';
import type { Task } from '../../src/task/task-schema.js';

/**
 * The simulator's HTTP server answering the items of a data file as `task` reads them: quiet, at
 * seed 0 unless `options` say otherwise.
 */
export async function startSimOn(
  file: string,
  task: Task,
  options: Partial<SimServerOptions> = {},
): Promise<SimServer> {
  return startSimServer({ task, items: await loadItems(file, task), seed: 0, quiet: true, ...options });
}

/** A clock for the simulator's batch jobs that moves only when the test moves it. */
export interface SimClock {
  now: number;
}

/** Moves `clock` an hour every few milliseconds while `work` runs, so that every batch job ends soon. */
export async function withClockRunning<T>(clock: SimClock, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => {
    clock.now += 3_600_000;
  }, 5);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
