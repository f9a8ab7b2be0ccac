import { Command } from 'commander';
import { resolveStrategy } from '../../engine/resolve-strategy.js';
import { isSimProfileName, simProfileNames } from '../../sim/profiles.js';
import { isSimReplyLayout, simReplyLayouts } from '../../sim/render-sim-reply.js';
import { startSimServer } from '../../sim/serve.js';
import { loadSourceItems } from '../../source/read-source.js';
import { loadTask } from '../../task/load-task.js';
import { exitCodes } from '../exit-codes.js';
import type { CommandRegistrar } from '../main.js';
import { integerAtLeast, numberBetween, oneOf } from '../option-parsers.js';
import { commandSummaries } from './command-summaries.js';

interface SimServeCliValues {
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

const rate = numberBetween(0, 1);

export const register: CommandRegistrar = (program, setExitCode) => {
  const sim = new Command('sim').description(commandSummaries.sim);
  sim.addCommand(
    new Command('serve')
      .description(
        'serve the simulated model on 127.0.0.1 until Ctrl-C: OpenAI chat completions, Files and Batch API, Anthropic Message Batches, Gemini batch mode',
      )
      .requiredOption('--task <name|file>', 'built-in task (boolq, rte, qqp, gsm8k) or a task file')
      .requiredOption(
        '--data <file>',
        'data file (.jsonl, .csv, .json, .parquet) of the items the simulator knows, with gold labels',
      )
      .option('--port <n>', 'port; 0 picks a free one', integerAtLeast(0), 8787)
      .option('--profile <name>', simProfileNames.join(' | '), oneOf(simProfileNames), 'gpt-4')
      .option('--seed <n>', 'seed of every random draw', integerAtLeast(0), 0)
      .option('--latency-ms <n>', 'wait this long before each answer', integerAtLeast(0), 0)
      .option('--rpm <n>', 'requests per minute before 429s', integerAtLeast(1))
      .option('--tpm <n>', 'tokens per minute before 429s', integerAtLeast(1))
      .option('--fault-rate-429 <x>', 'share of requests refused with 429 + retry-after', rate, 0)
      .option('--fault-rate-500 <x>', 'share of requests answered 500', rate, 0)
      .option('--fault-rate-timeout <x>', 'share of requests never answered', rate, 0)
      .option('--fault-rate-truncate <x>', 'share of replies cut short (finish_reason length)', rate, 0)
      .option('--fault-rate-malformed <x>', 'share of replies with a broken body', rate, 0)
      .option(
        '--flex-refusal-rate <x>',
        'share of requests asking service_tier flex refused with 429 (resource unavailable)',
        rate,
        0,
      )
      .option('--batch-delay-ms <n>', 'a batch job ends this long after it was created', integerAtLeast(0), 0)
      .option('--batch-fail-jobs <n>', 'the first n batch jobs fail validation', integerAtLeast(0), 0)
      .option(
        '--batch-expire-jobs <n>',
        'the next n batch jobs expire with part of their requests done',
        integerAtLeast(0),
        0,
      )
      .option('--batch-expire-done <x>', 'share of an expiring job done when it expires', rate, 0.6)
      .option(
        '--batch-error-rate <x>',
        'share of the requests in a batch job that end in a server error',
        rate,
        0,
      )
      .option(
        '--layout <name>',
        `lay replies out another way, answers still true: ${simReplyLayouts.join(' | ')}`,
        oneOf(simReplyLayouts),
        'ours',
      )
      .option('--quiet', 'no log line per request')
      .action(async (values: SimServeCliValues) => {
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
            quiet: values.quiet ?? false,
          });
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          if (code !== 'EADDRINUSE' && code !== 'EACCES') throw error;
          process.stderr.write(
            `error: cannot listen on 127.0.0.1:${values.port}: ${code === 'EADDRINUSE' ? 'the port is in use (another sim serve?)' : 'permission denied'}; choose another with --port, or --port 0 for a free one\n`,
          );
          setExitCode(exitCodes.usage);
          return;
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
        setExitCode(0);
      }),
  );
  program.addCommand(sim);
};
