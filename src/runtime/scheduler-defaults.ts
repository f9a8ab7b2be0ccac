/**
 * The scheduler's defaults as plain numbers: `resolveSchedulerOptions` applies them, and option
 * help shows them without loading the scheduler (whose token estimate brings the tokenizer).
 */
export const schedulerDefaults = {
  concurrency: 8,
  timeoutMs: 120_000,
  maxRetries: 6,
  initialRetryDelayMs: 500,
  maxRetryDelayMs: 60_000,
  rateLimitHeadroom: 0.05,
} as const;
