import { Command } from 'commander';
import { simProfileNames } from '../../sim/profiles.js';
import { simReplyLayouts } from '../../sim/sim-reply-layouts.js';
import type { CommandRegistrar } from '../main.js';
import { integerAtLeast, numberBetween, oneOf } from '../option-parsers.js';
import { declareCommand } from './command-summaries.js';
import type { SimServeCliValues } from './sim-serve-action.js';

const rate = numberBetween(0, 1);

/**
 * `sim serve`, declared without its work: the data readers, the simulated model and its server load
 * from `sim-serve-action.ts` when it runs, so that `sim serve --help` needs none of them.
 */
export const register: CommandRegistrar = (program, setExitCode) => {
  const sim = declareCommand(program, 'sim');
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
        const { simServeAction } = await import('./sim-serve-action.js');
        setExitCode(await simServeAction(values));
      }),
  );
};
