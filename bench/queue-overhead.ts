/**
 * Where the job queue's time goes, without the command line, the engine or the simulator: one
 * queued model and `--workers` workers in this one process, against a redis-server of its own on
 * loopback, answering with a model that only waits `--latency-ms` (no CPU of its own). Each of
 * `workers x 4` lanes asks its calls one after another, so that every call finds a free worker slot;
 * each call's time beyond the model's wait is split into
 *
 * - pickup: from `generate` on the coordinator to the model's start on a worker (the job added,
 *   looked up, moved to active, handed to the processor);
 * - return: from the model's end to the coordinator's promise resolving (the job moved to
 *   completed, the `completed` event read from the events stream).
 *
 * Prints mean, median and 95th percentile of each in milliseconds, the machine's load average and
 * the process's own CPU time per call.
 *
 *   npx tsx bench/queue-overhead.ts [--workers 4] [--calls 400] [--latency-ms 400] [--prompt-chars 3000]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { openRedis, parseRedisUrl } from '../src/queue/open-redis.js';
import { startQueueWorker } from '../src/queue/queue-worker.js';
import { createQueuedModel } from '../src/queue/queued-model.js';
import type { ChatModel, GenerateResult } from '../src/spec/chat-model.js';
import { startTestRedis } from '../test/redis-server.js';

export interface QueueOverhead {
  workers: number;
  calls: number;
  latencyMs: number;
  promptChars: number;
  wallMs: number;
  /** Milliseconds, from the coordinator's call to the model's start on a worker. */
  pickup: Spread;
  /** Milliseconds, from the model's end to the coordinator's promise resolving. */
  back: Spread;
  /** Milliseconds beyond the model's wait, per call. */
  overhead: Spread;
  /** CPU milliseconds per call of this process, which runs the coordinator and the workers. */
  cpuMsPerCall: number;
  /** The machine's load average (1, 5, 15 minutes) at the end. */
  load: number[];
}

export interface Spread {
  mean: number;
  median: number;
  p95: number;
}

const perWorker = 4;

/** Measures the queue's own time per call as the header says. */
export async function measureQueueOverhead(options: {
  workers: number;
  calls: number;
  latencyMs: number;
  promptChars: number;
}): Promise<QueueOverhead> {
  const { workers: workerCount, calls, latencyMs, promptChars } = options;
  const timings = new Map<string, Timing>();
  const waiting: ChatModel = {
    id: 'bench:waiting',
    simulated: true,
    supportsJsonSchema: false,
    generate: async (request): Promise<GenerateResult> => {
      const timing = timings.get(request.messages[0]!.content.slice(0, 12))!;
      timing.modelStart = performance.now();
      await new Promise((resolve) => setTimeout(resolve, latencyMs));
      timing.modelEnd = performance.now();
      return { text: 'yes', usage: { inputTokens: 700, outputTokens: 5 }, finishReason: 'stop' };
    },
  };
  const redis = await startTestRedis();
  try {
    const target = parseRedisUrl(redis.url);
    const workers = await Promise.all(
      Array.from({ length: workerCount }, (_, index) =>
        startQueueWorker({
          redis: target,
          client: openRedis(target, `bench-worker-${index}`, () => {}),
          model: waiting,
          concurrency: perWorker,
        }),
      ),
    );
    const queued = await createQueuedModel({
      redis: target,
      id: waiting.id,
      simulated: true,
      supportsJsonSchema: false,
    });
    const filler = 'x'.repeat(promptChars);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    let next = 0;
    const lane = async () => {
      while (next < calls) {
        const tag = `call-${String(next).padStart(7, '0')}`;
        next += 1;
        const timing: Timing = { submitted: performance.now() };
        timings.set(tag, timing);
        await queued.generate({ messages: [{ role: 'user', content: `${tag} ${filler}` }] });
        timing.resolved = performance.now();
      }
    };
    await Promise.all(Array.from({ length: workerCount * perWorker }, () => lane()));
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    await queued.close();
    await Promise.all(workers.map((worker) => worker.close()));
    const all = [...timings.values()];
    return {
      ...options,
      wallMs,
      pickup: spread(all.map((timing) => timing.modelStart! - timing.submitted)),
      back: spread(all.map((timing) => timing.resolved! - timing.modelEnd!)),
      overhead: spread(all.map((timing) => timing.resolved! - timing.submitted - latencyMs)),
      cpuMsPerCall: (cpu.user + cpu.system) / 1000 / calls,
      load: loadavg(),
    };
  } finally {
    await redis.dispose();
  }
}

interface Timing {
  submitted: number;
  modelStart?: number;
  modelEnd?: number;
  resolved?: number;
}

function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (share: number) => sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))]!;
  return {
    mean: sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
    median: at(0.5),
    p95: at(0.95),
  };
}

export function describeSpread(value: Spread): string {
  return `mean ${value.mean.toFixed(1)}, median ${value.median.toFixed(1)}, p95 ${value.p95.toFixed(1)}`;
}

/** The measurement as lines of text. */
export function describeOverhead(result: QueueOverhead): string[] {
  const ideal = (Math.ceil(result.calls / (result.workers * perWorker)) * result.latencyMs) / 1000;
  return [
    `${result.workers} worker(s) x ${perWorker} in one process, ${result.calls} calls of ${result.latencyMs} ms, prompts of ${result.promptChars} characters; load average ${result.load.map((load) => load.toFixed(1)).join(' ')}`,
    `wall ${(result.wallMs / 1000).toFixed(2)} s (${ideal.toFixed(2)} s if the queue cost nothing); ${(result.calls / (result.wallMs / 1000)).toFixed(1)} calls/s`,
    `pickup (ms): ${describeSpread(result.pickup)}`,
    `return (ms): ${describeSpread(result.back)}`,
    `overhead per call (ms): ${describeSpread(result.overhead)}`,
    `CPU of the coordinator and workers together: ${result.cpuMsPerCall.toFixed(2)} ms per call`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string', default: '4' },
      calls: { type: 'string', default: '400' },
      'latency-ms': { type: 'string', default: '400' },
      'prompt-chars': { type: 'string', default: '3000' },
    },
  });
  const result = await measureQueueOverhead({
    workers: Number(values.workers),
    calls: Number(values.calls),
    latencyMs: Number(values['latency-ms']),
    promptChars: Number(values['prompt-chars']),
  });
  process.stdout.write(`${describeOverhead(result).join('\n')}\n`);
}
