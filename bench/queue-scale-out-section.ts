import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeOwnedSection } from './owned-section.js';
import { describeOverhead, type QueueOverhead } from './queue-overhead.js';
import { describeWorkload, type WorkloadFigures } from './queue-scale-out-tables.js';

/*
 * The "Scaling out" section of BENCHMARKS.md gathers workloads that take very different times to
 * measure (a minute at 400 ms a call, half an hour at 4 s with twice BoolQ's rows), so each is
 * measured by a command of its own and kept, with that command, in bench/results/queue-scale-out.json;
 * the section is rendered from that file alone, every workload in it, whichever command ran last.
 */

export const scaleOutResultsPath = resolve(import.meta.dirname, 'results/queue-scale-out.json');

/** Four workers, one of them SIGKILLed twice mid-run. */
export interface KillFigures {
  kills: number;
  itemsLost: number;
  identical: boolean;
  extraPaidCalls: number;
  callsInFlightAtKills: number;
  wallS: number;
  stallMs: number;
}

/** What one invocation of bench/queue-scale-out.ts measured: its `--json` output. */
export interface ScaleOutMeasurement {
  rows: number;
  measured: WorkloadFigures[];
  kills?: KillFigures;
  overhead: QueueOverhead;
  loadAtStart: string;
  loadAtEnd: string;
  /** The commit whose code was measured. */
  code: string;
}

interface Measured<Figures> {
  /** The command that measured these figures (and writes them). */
  command: string;
  /** Load average (1, 5, 15 min) at the start and the end of that command. */
  loadAtStart: string;
  loadAtEnd: string;
  /** The commit whose code was measured. */
  code: string;
  figures: Figures;
}

/** A workload's figures as kept: without the reference votes (every item's), which only the runs compared. */
type StoredWorkload = Omit<WorkloadFigures, 'reference'>;

/**
 * bench/results/queue-scale-out.json: each workload as last measured, the last kill run, and the
 * queue alone as each command last measured it (it is measured once per command, at that
 * command's load, and varies with it).
 */
export interface ScaleOutResults {
  workloads: Array<Measured<StoredWorkload>>;
  kills?: Measured<KillFigures> & { workload: string };
  overheads: Array<Measured<QueueOverhead>>;
}

/** A workload's identity in the results: its kind, its latency and its rows. */
export const workloadKey = (figures: StoredWorkload) =>
  `${figures.workload.name}@${figures.workload.latencyMs} x ${figures.rowsOfData} rows`;

/** Sorted by latency, then kind, then rows: the 400 ms workloads first, as the issue asks for them. */
function order(a: StoredWorkload, b: StoredWorkload): number {
  return (
    a.workload.latencyMs - b.workload.latencyMs ||
    a.workload.name.localeCompare(b.workload.name) ||
    a.rowsOfData - b.rowsOfData
  );
}

/** The stored results with one invocation's figures put in: a workload measured again replaces its old figures. */
export function mergeMeasurement(
  stored: ScaleOutResults | undefined,
  measurement: ScaleOutMeasurement,
  command: string,
): ScaleOutResults {
  const { loadAtStart, loadAtEnd, code } = measurement;
  const stamp = { command, loadAtStart, loadAtEnd, code };
  const fresh = new Set(measurement.measured.map(workloadKey));
  const workloads = [
    ...(stored?.workloads ?? []).filter((entry) => !fresh.has(workloadKey(entry.figures))),
    ...measurement.measured.map(({ reference: _votes, ...figures }) => ({ ...stamp, figures })),
  ].sort((a, b) => order(a.figures, b.figures));
  const killed = measurement.measured[0];
  return {
    workloads,
    kills:
      measurement.kills === undefined || killed === undefined
        ? stored?.kills
        : { ...stamp, workload: workloadKey(killed), figures: measurement.kills },
    overheads: [
      ...(stored?.overheads ?? []).filter((entry) => entry.command !== command),
      { ...stamp, figures: measurement.overhead },
    ],
  };
}

/**
 * A saved `--json` output of bench/queue-scale-out.ts: the JSON object it prints first (the
 * section's text follows it on stdout), checked against the rows and workloads its flags name.
 */
export function readSavedMeasurement(
  file: string,
  rows: number,
  workloads: string[],
  code: string | undefined,
): ScaleOutMeasurement {
  const text = readFileSync(file, 'utf8');
  const end = text.indexOf('\n}\n');
  if (!text.startsWith('{') || end < 0)
    throw new Error(`${file}: no --json output of this script at its start`);
  const saved = JSON.parse(text.slice(0, end + 2)) as ScaleOutMeasurement;
  const savedWorkloads = saved.measured.map(
    (figures) => `${figures.workload.name}@${figures.workload.latencyMs}`,
  );
  if (saved.rows !== rows || savedWorkloads.join(',') !== workloads.join(',')) {
    throw new Error(
      `${file} measured ${saved.rows} rows of ${savedWorkloads.join(',')}, not the ${rows} rows of ${workloads.join(',')} its flags name`,
    );
  }
  const measuredCode = saved.code ?? code;
  if (measuredCode === undefined)
    throw new Error(`${file} does not say which commit it measured: give --code`);
  return { ...saved, code: measuredCode };
}

/** Puts one invocation's figures into bench/results/queue-scale-out.json and renders the section from it. */
export function writeScaleOutSection(measurement: ScaleOutMeasurement, command: string): void {
  const stored = existsSync(scaleOutResultsPath)
    ? (JSON.parse(readFileSync(scaleOutResultsPath, 'utf8')) as ScaleOutResults)
    : undefined;
  const results = mergeMeasurement(stored, measurement, command);
  writeFileSync(scaleOutResultsPath, `${JSON.stringify(results, null, 2)}\n`);
  writeOwnedSection('Scaling out', describeResults(results));
}

const measuredBy = (entry: Measured<unknown>) =>
  `Measured by \`${entry.command}\` on the code of ${entry.code} (load average ${entry.loadAtStart} at its start, ${entry.loadAtEnd} at its end).`;

/** The section's lines: what is measured, every workload, the kill run and the queue alone. */
export function describeResults(results: ScaleOutResults): string[] {
  const { kills, overheads } = results;
  return [
    "Simulated gpt-4 behind `sim serve` (not a real LLM) with a fixed latency a call; the coordinator, the workers (each `--concurrency 4`), the simulator and Redis 7 all on this machine (2 cores, shared with other work: the load average, as `uptime` prints it, is given beside every run). Each queued run is set beside a direct run with as many calls in flight; items per second come from the run's own wall time. Overhead per call = (queued wall time - direct wall time) x calls in flight / calls. Each workload was measured by the command given under it; the figures are kept in bench/results/queue-scale-out.json, which `--write` updates workload by workload.",
    '',
    "Where the time went: calls in flight are those the simulator was answering, averaged over the span from the run's first call to its last reply; outside the calls is the run's wall time less that span (the engine's start before its first call and its end after the last reply); bursts are runs of calls with no moment between them when the simulator had none in flight (a round barrier starts a new one, and so, at a fixed latency, does a wave of calls that all ended before the next began). CPU seconds are each process's own over the run: the coordinator's in its last run-wall-time before it exited (its start-up left out, as its wall time leaves it out; read from /proc every 100 ms), the workers' and Redis's from the run's start to its end, and the simulator's (the benchmark's own process); CPU s per s is their sum over the run's wall time: near 2 the run's processes would be short of cores together. Below that, CPU can still set the pace: the coordinator and the simulator each do the work of all their calls on one thread, and at a load average well above 2 each waits for a core whenever a reply wakes it, so a call's own CPU in them stretches and the calls of a wave queue behind each other.",
    '',
    ...results.workloads.flatMap((entry) => [...describeWorkload(entry.figures), '', measuredBy(entry), '']),
    ...(kills === undefined
      ? []
      : [
          `4 workers on ${kills.workload}, one SIGKILLed ${kills.figures.kills} time(s) mid-run (restarted after the first kill, --stall-ms ${kills.figures.stallMs}): ${kills.figures.itemsLost} items lost, results ${kills.figures.identical ? 'identical to' : 'DIFFERENT from'} the uninterrupted run vote for vote, ${kills.figures.extraPaidCalls} calls paid beyond the uninterrupted run's against ${kills.figures.callsInFlightAtKills} jobs taken again after the kills (the calls the killed worker held); wall time ${kills.figures.wallS.toFixed(1)} s. ${measuredBy(kills)}`,
          '',
        ]),
    "The queue alone (`bench/queue-overhead.ts`: coordinator and 4 workers in one process, a model that only waits, no engine and no simulator), as each command above measured it after its workloads; its overhead per call counts, besides the pickup and the return, how late the model's wait ends when this one process is short of a core:",
    ...overheads.flatMap((entry) => [
      '',
      ...describeOverhead(entry.figures).map((line) => `- ${line}`),
      '',
      measuredBy(entry),
    ]),
  ];
}
