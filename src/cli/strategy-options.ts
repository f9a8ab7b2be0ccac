import type { Command } from 'commander';
import type { StrategyName, StrategyOptions } from '../engine/types.js';
import type { ModelStackOptions } from '../stack/create-model-stack.js';
import { collectMapping, integerAtLeast, numberBetween, oneOf } from './option-parsers.js';

/** The options shared by `run`, `eval` and `plan`: strategy, data mapping, scheduling, storage. */
export function addStrategyOptions(command: Command): Command {
  return command
    .option(
      '--strategy <name>',
      'single | batch | bpe | bpe+seas | adaptive (a pilot decides which answers need more rounds, and the batch size)',
      oneOf(['single', 'batch', 'bpe', 'bpe+seas', 'adaptive']),
    )
    .option('--batch-size <n>', 'items per call (default 32)', integerAtLeast(1))
    .option('--rounds <n>', 'voting rounds (default 5)', integerAtLeast(1))
    .option('--voting <rule>', 'weighted | majority (default weighted)', oneOf(['weighted', 'majority']))
    .option('--no-seas', 'no early stopping: every item goes through every round')
    .option(
      '--format <format>',
      'reply format: auto | json | lines (default auto)',
      oneOf(['auto', 'json', 'lines']),
    )
    .option(
      '--examples <when>',
      'worked examples: every-call | first-round | none',
      oneOf(['every-call', 'first-round', 'none']),
    )
    .option('--reasoning', 'ask for a short worked solution before each answer (more output tokens)')
    .option('--max-batch-tokens <n>', 'most item tokens in one call (default 64000)', integerAtLeast(1))
    .option('--seed <n>', 'seed of the shuffles (default 0)', integerAtLeast(0))
    .option('--id-field <column>', 'column holding each row id (default: the line number)')
    .option('--label-field <column>', 'column holding the gold answer')
    .option(
      '--map <field=column>',
      'read a task field from a differently named column (repeatable)',
      collectMapping,
    )
    .option('--base-url <url>', 'endpoint for openai-compatible: and ollama: models')
    .option(
      '--review-out <file>',
      'also write the rows whose votes never settled (unsure throughout, or split) to this file, for a person to check',
    );
}

export function addSchedulingOptions(command: Command): Command {
  return command
    .option('--concurrency <n>', 'calls in flight at once (default 8)', integerAtLeast(1))
    .option('--rpm <n>', 'requests per minute limit', integerAtLeast(1))
    .option('--tpm <n>', 'tokens per minute limit', integerAtLeast(1))
    .option('--timeout-ms <n>', 'per-call timeout in milliseconds (default 120000)', integerAtLeast(1))
    .option('--max-retries <n>', 'retries of a failed call (default 6)', integerAtLeast(0))
    .option('--sim-latency-ms <n>', 'reply delay of the in-process simulated model', integerAtLeast(0))
    .option('--store-dir <dir>', 'cache and journal folder (default .batchprompt)')
    .option('--no-cache', 'neither read nor write the response cache')
    .option('--prices <file>', 'JSON price table overriding the built-in one')
    .option('--temperature <t>', 'sampling temperature (default 0)', numberBetween(0, 2));
}

/** `--batch-api` and its waiting options, shared by `run` and `eval`. */
export function addBatchApiOptions(command: Command): Command {
  return command
    .option(
      '--batch-api',
      "send each voting round as one job to the provider's batch API (openai:, anthropic:, openai-compatible: servers with /v1/batches): half the price, results within 24 h",
    )
    .option(
      '--detach',
      'with --batch-api: submit the jobs and exit; the same command run again collects the results',
    )
    .option(
      '--poll-interval-ms <n>',
      'with --batch-api: first wait between status checks (default 30000); each wait is half again as long, up to --max-poll-interval-ms',
      integerAtLeast(1),
    )
    .option(
      '--max-poll-interval-ms <n>',
      'with --batch-api: longest wait between status checks (default 600000)',
      integerAtLeast(1),
    );
}

export interface BatchApiCliValues {
  batchApi?: boolean;
  detach?: boolean;
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
}

export interface StrategyCliValues {
  strategy?: StrategyName;
  batchSize?: number;
  rounds?: number;
  voting?: 'weighted' | 'majority';
  seas?: boolean;
  format?: 'auto' | 'json' | 'lines';
  examples?: 'every-call' | 'first-round' | 'none';
  permutation?: 'random' | 'balanced';
  maxBatchTokens?: number;
  seed?: number;
  temperature?: number;
  reasoning?: boolean;
  reviewOut?: string;
}

export function strategyFromCli(values: StrategyCliValues): StrategyOptions {
  const strategy: StrategyOptions = {};
  if (values.strategy !== undefined) strategy.strategy = values.strategy;
  if (values.seas === false && (values.strategy === undefined || values.strategy === 'bpe+seas')) {
    strategy.strategy = 'bpe';
  }
  if (values.batchSize !== undefined) strategy.batchSize = values.batchSize;
  if (values.rounds !== undefined) strategy.rounds = values.rounds;
  if (values.voting !== undefined) strategy.voting = values.voting;
  if (values.format !== undefined) strategy.format = values.format;
  if (values.examples !== undefined) strategy.examples = values.examples;
  if (values.permutation !== undefined) strategy.permutation = values.permutation;
  if (values.maxBatchTokens !== undefined) strategy.maxBatchTokens = values.maxBatchTokens;
  if (values.seed !== undefined) strategy.seed = values.seed;
  if (values.temperature !== undefined) strategy.temperature = values.temperature;
  return strategy;
}

export interface SchedulingCliValues {
  baseUrl?: string;
  concurrency?: number;
  rpm?: number;
  tpm?: number;
  timeoutMs?: number;
  maxRetries?: number;
  simLatencyMs?: number;
}

/** The model-stack options that the scheduling flags set, leaving the others to their defaults. */
export function schedulingFromCli(values: SchedulingCliValues): Partial<ModelStackOptions> {
  const options: Partial<ModelStackOptions> = {};
  if (values.baseUrl !== undefined) options.baseUrl = values.baseUrl;
  if (values.concurrency !== undefined) options.concurrency = values.concurrency;
  if (values.rpm !== undefined) options.requestsPerMinute = values.rpm;
  if (values.tpm !== undefined) options.tokensPerMinute = values.tpm;
  if (values.timeoutMs !== undefined) options.timeoutMs = values.timeoutMs;
  if (values.maxRetries !== undefined) options.maxRetries = values.maxRetries;
  if (values.simLatencyMs !== undefined) options.simLatencyMs = values.simLatencyMs;
  return options;
}
