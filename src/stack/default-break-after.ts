/**
 * Default of `breakAfter`: requests in a row that failed the same way before the run stops. Its own
 * module so that option help shows it without loading the request ledger and the scheduler.
 */
export const defaultBreakAfter = 10;
