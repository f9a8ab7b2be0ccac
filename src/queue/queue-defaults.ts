/*
 * The job queue's defaults, apart from the code that uses them, so that `--help` can show them
 * without loading BullMQ.
 */

/** How long Redis may be out of reach before the waiting calls fail, unless told otherwise. */
export const defaultOutageTimeoutMs = 60_000;

/** How long a finished job and its result stay in Redis, in seconds: a day. */
export const defaultKeepResultsSeconds = 86_400;
