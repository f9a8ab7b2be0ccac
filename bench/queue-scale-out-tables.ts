import type { CallsInFlight } from './queue-run-probes.js';
import { roundBound } from './queue-run-probes.js';

/** What bench/queue-scale-out.ts measures of one run. */
export interface RunFigures {
  /** The run's own wall time (the engine's, from its `--json` summary). */
  wallMs: number;
  calls: number;
  items: number;
  out: string;
  /** Load average (1, 5, 15 min) as the run started. */
  load: string;
  inFlight: CallsInFlight;
  /** From the coordinator's spawn to its exit, start-up included. */
  processWallMs: number;
  /** CPU seconds of each process over the run (NaN where /proc could not tell). */
  cpu: { coordinator: number; workers: number; simulator: number; redis: number };
}

export interface ScaleRow {
  /** Calls in flight: the direct run's --concurrency, the workers' slots together. */
  slots: number;
  workers: number;
  direct: RunFigures;
  queued: RunFigures;
}

export interface WorkloadFigures {
  workload: { name: string; description: string; latencyMs: number; flags: string[] };
  rows: ScaleRow[];
  /** A direct run with no limit on calls in flight: the least time the run's rounds take. */
  unbounded: RunFigures;
  /** The direct run at 4 calls in flight, whose votes every other run must give. */
  reference: string;
  rowsOfData: number;
  /** What the rows are, after their count: `BoolQ rows`, or how they were made. */
  dataLabel: string;
  perWorker: number;
}

const itemsPerSecond = (figures: RunFigures) => figures.items / (figures.wallMs / 1000);
const overheadMsPerCall = (row: ScaleRow) =>
  ((row.queued.wallMs - row.direct.wallMs) * row.slots) / row.queued.calls;
const seconds = (figures: RunFigures) => `${(figures.wallMs / 1000).toFixed(1)} s`;
const rate = (figures: RunFigures) => itemsPerSecond(figures).toFixed(1);
const cpuText = (value: number) => (Number.isNaN(value) ? 'n/a' : value.toFixed(1));

/** A run's line in the "where the time went" table. */
function timeRow(label: string, figures: RunFigures): string {
  const { inFlight, cpu } = figures;
  const total = cpu.coordinator + cpu.workers + cpu.simulator + cpu.redis;
  const bursts =
    inFlight.bursts.length <= 8
      ? inFlight.bursts.join(', ')
      : `${inFlight.bursts.length} (${inFlight.bursts.slice(0, 6).join(', ')}, ...)`;
  const outside = (figures.wallMs - inFlight.spanMs) / 1000;
  return `| ${label} | ${seconds(figures)} / ${(figures.processWallMs / 1000).toFixed(1)} s | ${outside.toFixed(1)} s | ${inFlight.calls} | ${inFlight.mean.toFixed(1)} / ${inFlight.peak} | ${bursts} | ${cpuText(cpu.coordinator)} / ${cpuText(cpu.workers)} / ${cpuText(cpu.simulator)} / ${cpuText(cpu.redis)} | ${Number.isNaN(total) ? 'n/a' : (total / (figures.wallMs / 1000)).toFixed(2)} | ${figures.load} |`;
}

/** The workload's tables and what they say, as markdown lines. */
export function describeWorkload(figures: Omit<WorkloadFigures, 'reference'>): string[] {
  const { workload, rows: scale, unbounded, perWorker } = figures;
  const one = scale.find((row) => row.workers === 1)!;
  const four = scale.find((row) => row.workers === 4)!;
  const bound = roundBound(unbounded.inFlight.bursts, four.slots, one.slots);
  const latencyBound = ((Math.ceil(one.queued.calls / four.slots) * workload.latencyMs) / 1000).toFixed(1);
  return [
    `### ${workload.description}, ${workload.latencyMs} ms a call, ${figures.rowsOfData} rows`,
    '',
    `${figures.rowsOfData} ${figures.dataLabel}, ${one.queued.calls} calls. Command: \`${['run', ...workload.flags].join(' ')}\` with \`--queue\` or with \`--base-url\` and \`--concurrency\`.`,
    '',
    '| calls in flight | direct: wall | direct: items/s | queue: workers x 4 | queue: wall | queue: items/s | queue overhead per call | load average at direct / queue |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...scale.map(
      (row) =>
        `| ${row.slots} | ${seconds(row.direct)} | ${rate(row.direct)} | ${row.workers} | ${seconds(row.queued)} | ${rate(row.queued)} | ${overheadMsPerCall(row).toFixed(1)} ms | ${row.direct.load} / ${row.queued.load} |`,
    ),
    `| no limit | ${seconds(unbounded)} | ${rate(unbounded)} | | | | | ${unbounded.load} |`,
    '',
    `4 workers give ${(itemsPerSecond(four.queued) / itemsPerSecond(one.queued)).toFixed(2)}x the items per second of 1 worker (target >= 3.3x); the direct run at 16 calls in flight gives ${(itemsPerSecond(four.direct) / itemsPerSecond(one.direct)).toFixed(2)}x that at 4, and with no limit ${(itemsPerSecond(unbounded) / itemsPerSecond(one.direct)).toFixed(2)}x. The run's rounds alone allow 16 slots at most ${bound.toFixed(2)}x over ${perWorker} (the no-limit run's bursts of ${unbounded.inFlight.bursts.join(', ')} calls, each asked in waves of 16 against waves of ${perWorker}, a latency a wave); the latency alone, ${one.queued.calls} calls in waves of 16, takes ${latencyBound} s.`,
    '',
    'Where the time went:',
    '',
    '| run | wall: run / process | outside the calls | calls | in flight: mean / peak | bursts | CPU s: coordinator / workers / simulator / Redis | CPU s per s | load average |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...scale.flatMap((row) => [
      timeRow(`direct, ${row.slots} in flight`, row.direct),
      timeRow(`queue, ${row.workers} worker(s)`, row.queued),
    ]),
    timeRow('direct, no limit', unbounded),
  ];
}
