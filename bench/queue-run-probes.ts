import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/*
 * What the scale-out benchmark reads beside a run's wall time, to tell where the time went: the
 * calls the simulator had in flight, and the CPU each process of the run used (the coordinator,
 * the workers, the simulator, Redis), since all of them share this machine's cores.
 */

/** A chat call as the simulator saw it: when it arrived and when its reply was sent, in ms. */
type CallSpan = [start: number, end: number];

export interface CallsInFlight {
  calls: number;
  /** From the first call's arrival to the last reply, in milliseconds. */
  spanMs: number;
  /** Calls in flight at the simulator, averaged over the span. */
  mean: number;
  peak: number;
  /**
   * The calls of each burst: calls that overlap, one after another, with no moment between them
   * when the simulator had none in flight. A round barrier of the engine shows as a new burst.
   */
  bursts: number[];
}

/**
 * Records the chat calls of a simulator server: give `log` as its log (one line per request,
 * ending in the request's milliseconds); `since(mark)` describes the calls after `mark()`.
 */
export function watchSimCalls(): {
  log: (line: string) => void;
  mark: () => number;
  since: (mark: number) => CallsInFlight;
} {
  const spans: CallSpan[] = [];
  return {
    log: (line) => {
      const ms = / (\d+)ms$/.exec(line);
      if (ms === null || !line.includes('/chat/completions')) return;
      const end = Date.now();
      spans.push([end - Number(ms[1]), end]);
    },
    mark: () => spans.length,
    since: (mark) => describeSpans(spans.slice(mark)),
  };
}

function describeSpans(spans: CallSpan[]): CallsInFlight {
  if (spans.length === 0) return { calls: 0, spanMs: 0, mean: 0, peak: 0, bursts: [] };
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  const bursts: number[] = [];
  let burstEnd = Number.NEGATIVE_INFINITY;
  for (const [start, end] of sorted) {
    // Log lines carry whole milliseconds: a call that starts within 5 ms of the last reply follows it.
    if (start <= burstEnd + 5) bursts[bursts.length - 1]! += 1;
    else bursts.push(1);
    burstEnd = Math.max(burstEnd, end);
  }
  const changes = sorted
    .flatMap(
      ([start, end]): Array<[number, number]> => [
        [start, 1],
        [end, -1],
      ],
    )
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const first = changes[0]![0];
  const last = changes.at(-1)![0];
  let inFlight = 0;
  let peak = 0;
  let area = 0;
  let previous = first;
  for (const [at, change] of changes) {
    area += inFlight * (at - previous);
    previous = at;
    inFlight += change;
    peak = Math.max(peak, inFlight);
  }
  const spanMs = last - first;
  return { calls: spans.length, spanMs, mean: spanMs > 0 ? area / spanMs : 0, peak, bursts };
}

/**
 * The most a run's rounds allow `slots` calls in flight to gain over `baseSlots`: each burst of
 * calls (measured with no limit) asked in waves of `slots`, one latency a wave, against waves of
 * `baseSlots`. Later calls of a round cannot start before earlier ones end when the slots are full,
 * so this is a bound, reached only when nothing but the latency takes time.
 */
export function roundBound(bursts: number[], slots: number, baseSlots: number): number {
  const waves = (width: number) => bursts.reduce((sum, calls) => sum + Math.ceil(calls / width), 0);
  return waves(baseSlots) / waves(slots);
}

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user and system) a live process has used, from /proc; undefined where there is none. */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return undefined;
  }
}

/**
 * Polls a child's CPU seconds every `everyMs` until it exits. `inLast(ms)` is what it used in its
 * last `ms` of life (to within a poll), since /proc forgets a process once it has been reaped: a
 * run's CPU without its start-up, given the run's own wall time.
 */
export function followProcessCpu(
  pid: number | undefined,
  everyMs = 100,
): { inLast: (ms: number) => number | undefined } {
  const readings: Array<{ at: number; seconds: number }> = [];
  const read = () => {
    const seconds = processCpuSeconds(pid);
    if (seconds !== undefined) readings.push({ at: Date.now(), seconds });
    return seconds;
  };
  read();
  const timer = setInterval(() => {
    if (read() === undefined) clearInterval(timer);
  }, everyMs);
  timer.unref();
  return {
    inLast: (ms) => {
      const last = readings.at(-1);
      if (last === undefined) return undefined;
      const from = readings.findLast((reading) => reading.at <= last.at - ms) ?? readings[0]!;
      return last.seconds - from.seconds;
    },
  };
}

/** CPU seconds a redis-server has used, from its INFO (used_cpu_user + used_cpu_sys). */
export async function redisCpuSeconds(url: string): Promise<number> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url);
  try {
    const info = await client.info('cpu');
    const field = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? 0);
    return field('used_cpu_user') + field('used_cpu_sys');
  } finally {
    client.disconnect();
  }
}
