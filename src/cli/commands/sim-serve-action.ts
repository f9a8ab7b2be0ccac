import { resolveStrategy } from '../../engine/resolve-strategy.js';
import { isSimProfileName } from '../../sim/profiles.js';
import { startSimServer } from '../../sim/serve.js';
import { isSimReplyLayout } from '../../sim/sim-reply-layouts.js';
import { loadSourceItems } from '../../source/read-source.js';
import { loadTask } from '../../task/load-task.js';
import { exitCodes } from '../exit-codes.js';

/*
 * The work of `sim serve`: the task, the data (its readers), the simulated model and its server.
 * `sim.ts` declares the command without them and loads this module when it runs, so that
 * `sim serve --help` loads none of them.
 */

export interface SimServeCliValues {
  port: number;
  task: string;
  data: string;
  profile: string;
  seed: number;
  latencyMs: number;
  rpm?: number;
  tpm?: number;
  faultRate429: number;
  faultRate500: number;
  faultRateTimeout: number;
  faultRateTruncate: number;
  faultRateMalformed: number;
  flexRefusalRate: number;
  batchDelayMs: number;
  batchFailJobs: number;
  batchExpireJobs: number;
  batchExpireDone: number;
  batchErrorRate: number;
  layout: string;
  quiet?: boolean;
}

/** Serves the simulated model until SIGINT or SIGTERM; the exit code. */
export async function simServeAction(values: SimServeCliValues): Promise<number> {
  const task = loadTask(values.task);
  const items = await loadSourceItems(
    {
      file: values.data,
      task,
      maxItemTokens: resolveStrategy({}).maxBatchTokens,
      labelField: task.goldField ?? 'label',
    },
    { seed: 0 },
  );
  const profile = isSimProfileName(values.profile) ? values.profile : 'gpt-4';
  let server: Awaited<ReturnType<typeof startSimServer>>;
  try {
    server = await startSimServer({
      task,
      items,
      profile,
      seed: values.seed,
      latencyMs: values.latencyMs,
      layout: isSimReplyLayout(values.layout) ? values.layout : 'ours',
      unknownItems: 'refuse',
      port: values.port,
      ...(values.rpm === undefined ? {} : { rpm: values.rpm }),
      ...(values.tpm === undefined ? {} : { tpm: values.tpm }),
      faultRates: {
        rateLimit: values.faultRate429,
        serverError: values.faultRate500,
        timeout: values.faultRateTimeout,
        truncate: values.faultRateTruncate,
        malformed: values.faultRateMalformed,
      },
      flexRefusalRate: values.flexRefusalRate,
      batch: {
        completionDelayMs: values.batchDelayMs,
        failValidationJobs: values.batchFailJobs,
        expireJobs: values.batchExpireJobs,
        expireDoneShare: values.batchExpireDone,
        requestErrorRate: values.batchErrorRate,
      },
      ...(values.quiet === true ? {} : { log: (line: string) => process.stderr.write(`${line}\n`) }),
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== 'EADDRINUSE' && code !== 'EACCES') throw error;
    process.stderr.write(
      `error: cannot listen on 127.0.0.1:${values.port}: ${code === 'EADDRINUSE' ? 'the port is in use (another sim serve?)' : 'permission denied'}; choose another with --port, or --port 0 for a free one\n`,
    );
    return exitCodes.usage;
  }
  // Only routes whose runs are labelled simulated: an `openai:` model pointed here through
  // OPENAI_BASE_URL is not asked whether it is the simulator, so its run would look real.
  process.stdout.write(
    `simulated model sim:${profile} (not a real LLM) serving ${items.length} ${task.name} items at ${server.url}\n` +
      `try: --model openai-compatible:sim:${profile} --base-url ${server.url}\n` +
      `batch APIs: OPENAI_BASE_URL=${server.url} (Files, Batch) and ANTHROPIC_BASE_URL=${server.url} (Message Batches)\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  process.stderr.write(`${JSON.stringify({ stopped: true, stats: server.stats() })}\n`);
  return exitCodes.ok;
}
