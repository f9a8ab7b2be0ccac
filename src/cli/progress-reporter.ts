import cliProgress from 'cli-progress';
import type { Progress } from '../engine/types.js';
import type { RequestTally } from '../stack/request-ledger.js';

/** The requests sent so far, for the progress line: shown once any failed. */
export type ProgressRequests = Pick<RequestTally, 'sent' | 'failed' | 'billedFailed'>;

/** Input tokens the provider read from and wrote to its prompt cache (parts of the input). */
export interface PromptCacheTokens {
  read: number;
  written: number;
}

export interface ProgressReporter {
  /**
   * `costUsd` counts the billed failures among `requests`, as the summary does; `promptCache` the
   * input tokens the provider's prompt cache read and wrote.
   */
  update(
    progress: Progress,
    costUsd: number | undefined,
    requests?: ProgressRequests,
    promptCache?: PromptCacheTokens,
  ): void;
  stop(): void;
}

function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

function describe(
  progress: Progress,
  costUsd: number | undefined,
  elapsedMs: number,
  requests: ProgressRequests | undefined,
  promptCache: PromptCacheTokens | undefined,
): string {
  const total = progress.itemsTotal;
  const settled = progress.itemsSettled;
  // A rough estimate: the time so far per item with a final answer, times the items left. Before
  // the first item gets one (SEAS needs two rounds), there is none.
  const eta =
    total !== undefined && settled > 0 ? formatDuration((elapsedMs / settled) * (total - settled)) : '?';
  const rate =
    elapsedMs > 0 ? `${((progress.calls / elapsedMs) * 60_000).toFixed(1)} calls/min` : '- calls/min';
  const cost = costUsd === undefined ? '' : ` | ~$${costUsd.toFixed(4)}`;
  const failed = progress.failedCalls > 0 ? ` (${progress.failedCalls} failed)` : '';
  // As the summary's row: requests that reached the server, the failed ones, the billed among them.
  const failedRequests =
    requests === undefined || requests.failed === 0
      ? []
      : [`requests ${requests.sent} (${requests.failed} failed, ${requests.billedFailed} billed)`];
  const cached =
    promptCache === undefined || promptCache.read + promptCache.written === 0
      ? ''
      : ` (cache read ${promptCache.read}, written ${promptCache.written})`;
  return [
    `final answers ${settled}${total === undefined ? '' : `/${total}`}`,
    `round ${progress.round}/${progress.maxRounds}`,
    `calls ${progress.calls}${failed}`,
    ...failedRequests,
    `tokens ${progress.inputTokens}+${progress.outputTokens}${cached}${cost}`,
    rate,
    `eta ${eta}`,
  ].join(' | ');
}

/**
 * A progress bar on a terminal, redrawn as calls finish and items get their final answer;
 * elsewhere (CI, a log file) a plain line at most every few seconds, so logs stay readable. It
 * writes to `stream` (standard error), never to standard output, which may hold `--json`.
 */
export function createProgressReporter(options: {
  stream?: NodeJS.WriteStream;
  quiet?: boolean;
  intervalMs?: number;
  /** @default Date.now */
  now?: () => number;
}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  // eval --compare runs its strategies one after another under one reporter: a run that starts
  // again from fewer calls is the next one, begun when the last update of the one before came.
  let startedAt = now();
  let lastUpdateAt = startedAt;
  let lastCalls = 0;
  const elapsed = (progress: Progress) => {
    const at = now();
    if (progress.calls < lastCalls) startedAt = lastUpdateAt;
    lastCalls = progress.calls;
    lastUpdateAt = at;
    return at - startedAt;
  };
  if (options.quiet) return { update: () => {}, stop: () => {} };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream, format: '{bar} {percentage}% | {details}', hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(progress, costUsd, requests, promptCache) {
        const details = describe(progress, costUsd, elapsed(progress), requests, promptCache);
        if (!started) {
          bar.start(progress.itemsTotal ?? 0, progress.itemsSettled, { details });
          started = true;
        } else bar.update(progress.itemsSettled, { details });
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  const intervalMs = options.intervalMs ?? 5000;
  let lastPrintedAt = Number.NEGATIVE_INFINITY;
  let last: string | undefined;
  let lastPrinted: string | undefined;
  const print = (line: string) => {
    lastPrintedAt = now();
    lastPrinted = line;
    stream.write(`progress: ${line}\n`);
  };
  return {
    update(progress, costUsd, requests, promptCache) {
      last = describe(progress, costUsd, elapsed(progress), requests, promptCache);
      if (now() - lastPrintedAt >= intervalMs) print(last);
    },
    stop() {
      // The final state, unless it is the line already printed.
      if (last !== undefined && last !== lastPrinted) print(last);
    },
  };
}
