/*
 * The job queue's defaults, apart from the code that uses them, so that `--help` can show them
 * without loading BullMQ.
 */

/** How long Redis may be out of reach before the waiting calls fail, unless told otherwise. */
export const defaultOutageTimeoutMs = 60_000;

/** How long a finished job and its result stay in Redis, in seconds: a day. */
export const defaultKeepResultsSeconds = 86_400;

/**
 * How long a worker's lock on a job lasts without renewal, and how often workers look for jobs
 * whose worker died: such a job is taken again within about twice this.
 */
export const defaultStallMs = 30_000;
