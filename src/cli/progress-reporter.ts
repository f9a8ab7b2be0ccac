import cliProgress from 'cli-progress';
import type { Progress } from '../engine/types.js';

export interface ProgressReporter {
  update(progress: Progress, costUsd: number | undefined): void;
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

function describe(progress: Progress, costUsd: number | undefined, startedAt: number): string {
  const elapsed = Date.now() - startedAt;
  const total = progress.itemsTotal;
  const eta =
    total !== undefined && progress.itemsDone > 0
      ? formatDuration((elapsed / progress.itemsDone) * (total - progress.itemsDone))
      : '?';
  const cost = costUsd === undefined ? '' : ` | ~$${costUsd.toFixed(4)}`;
  return `items ${progress.itemsDone}${total === undefined ? '' : `/${total}`} | calls ${progress.calls} | tokens ${progress.inputTokens}+${progress.outputTokens}${cost} | eta ${eta}`;
}

/**
 * A progress bar on a terminal; elsewhere (CI, a log file) a plain line every few seconds, so logs
 * stay readable.
 */
export function createProgressReporter(options: {
  stream?: NodeJS.WriteStream;
  quiet?: boolean;
  intervalMs?: number;
}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const startedAt = Date.now();
  if (options.quiet) return { update: () => {}, stop: () => {} };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream, format: '{bar} {percentage}% | {details}', hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(progress, costUsd) {
        const details = describe(progress, costUsd, startedAt);
        if (!started) {
          bar.start(progress.itemsTotal ?? 0, progress.itemsDone, { details });
          started = true;
        } else bar.update(progress.itemsDone, { details });
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
    lastPrintedAt = Date.now();
    lastPrinted = line;
    stream.write(`progress: ${line}\n`);
  };
  return {
    update(progress, costUsd) {
      last = describe(progress, costUsd, startedAt);
      if (Date.now() - lastPrintedAt >= intervalMs) print(last);
    },
    stop() {
      // The final state, unless it is the line already printed.
      if (last !== undefined && last !== lastPrinted) print(last);
    },
  };
}
