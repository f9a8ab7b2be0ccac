import { z } from 'zod';
import { type OptionGroup, optionLeaves } from '../engine/option-schema.js';
import { defaultPolling } from '../jobs/batch-api-model.js';
import { defaultLocalModelUri } from '../models/default-local-model.js';
import { baseUrlHelp, batchApiHelp, modelUriHelp, serviceTierHelp } from '../providers/provider-table.js';
import { defaultOutageTimeoutMs, defaultStallMs } from '../queue/queue-defaults.js';
import { schedulerDefaults } from '../runtime/scheduler-defaults.js';
import { defaultBreakAfter } from '../stack/default-break-after.js';
import { defaultStoreDirectory } from '../store/default-store-directory.js';

/*
 * The options of `run`, `eval`, `plan` and `worker` beyond the library's strategy options, declared
 * as one zod schema: it gives the values a command's action receives (`CommandValues`), checks each
 * flag's value, and its metadata builds the flags, `--help` and the README's option reference
 * together with the strategy options (`command-flags.ts`). A new option is one entry here and the
 * code that reads it.
 */

/** The commands that take their options from the schemas. */
export type CommandName = 'run' | 'eval' | 'plan' | 'worker';

export const schemaCommands: readonly CommandName[] = ['run', 'eval', 'plan', 'worker'];

/** The commands that read a data set, and so take the strategy options; a worker only makes calls. */
export const strategyCommands: readonly CommandName[] = ['run', 'eval', 'plan'];

/** One value for every command, or one per command where they differ. */
export type PerCommand<T> = T | Partial<Record<CommandName, T>>;

export interface CommandOptionMeta {
  description: PerCommand<string>;
  group: OptionGroup;
  commands: readonly CommandName[];
  /** Must be given (by the commands named, where it is required of some only). */
  required?: PerCommand<true>;
  /**
   * The default as `--help` and the README show it, where it is applied by the library or where
   * the option is read rather than given to the command (`value`).
   */
  shownDefault?: PerCommand<string | number>;
  /** The value the command sees when the flag is absent. */
  value?: PerCommand<string | number>;
  /** The flag where it is not the key in kebab case: `--no-cache` sets `cache`. */
  flag?: `--${string}`;
  /** The value placeholder of a text option: `file` shows as `<file>`. */
  placeholder?: string;
}

export const commandOptionMeta = z.registry<CommandOptionMeta>();

function option<T extends z.ZodType>(schema: T, meta: CommandOptionMeta): T {
  commandOptionMeta.add(schema, meta);
  return schema;
}

const all = strategyCommands;
const answering = ['run', 'eval'] as const;
/** The options a worker takes too: where the calls come from, the model, and its limits. */
const callers = ['run', 'eval', 'worker'] as const;
const allowFailedExpected = 'a count of items (5) or a share of them (2.5%)';
const isAllowFailed = (text: string) => /^(\d+|\d+(\.\d+)?%)$/.test(text.trim());
const count = () => z.number().int().min(1).optional();
const modelUris = modelUriHelp();
const batchApiDescription = `send each voting round as one job to the provider's batch API (${batchApiHelp()}): half the price, results within 24 h`;
const queueDescription =
  'send the calls as jobs to Redis (redis:// or rediss://) for `batchprompt worker` processes to answer; the cache, journal and --max-cost stay here';
const reviewOutDescription =
  'also write the rows whose votes never settled (unsure throughout, or split) to this file, for a person to check';

export const commandShape = {
  task: option(z.string(), {
    description: 'built-in task (boolq, rte, qqp, gsm8k) or a task file (.yaml, .json)',
    group: 'essentials',
    commands: all,
    required: true,
    placeholder: 'task',
  }),
  data: option(z.string(), {
    description: {
      run: 'data file: .jsonl, .csv, .json or .parquet',
      eval: 'labelled data: .jsonl, .csv, .json or .parquet',
      plan: 'data file: .jsonl, .csv, .json or .parquet',
    },
    group: 'essentials',
    commands: all,
    required: true,
    placeholder: 'file',
  }),
  model: option(z.string().optional(), {
    description: {
      run: modelUris,
      eval: modelUris,
      plan: 'the model to price',
      worker: 'the model this worker answers for, as the runs name it (e.g. openai:gpt-4o-mini)',
    },
    group: 'essentials',
    commands: [...all, 'worker'],
    required: { worker: true },
    shownDefault: { run: `a small local model, ${defaultLocalModelUri}, downloaded on first use` },
    value: { eval: 'sim', plan: 'sim' },
    placeholder: 'uri',
  }),
  out: option(z.string().optional(), {
    description: {
      run: 'results file, .jsonl, .csv or .parquet; never an input or another output',
      eval: 'write per-item results (JSONL or CSV); with --compare, one JSON line per strategy',
    },
    group: 'essentials',
    commands: answering,
    shownDefault: { run: 'a new <data>.results.<ext> beside the data' },
    placeholder: 'file',
  }),
  compare: option(z.boolean().optional(), {
    description: 'run single, batch, bpe, bpe+seas and adaptive on the same items, side by side',
    group: 'essentials',
    commands: ['eval'],
  }),
  seas: option(z.boolean().optional(), {
    description: 'no early stopping: bpe+seas and adaptive become bpe, every item goes through every round',
    group: 'strategy',
    commands: all,
    flag: '--no-seas',
  }),
  reasoning: option(z.boolean().optional(), {
    description: 'ask for a short worked solution before each answer (more output tokens)',
    group: 'strategy',
    commands: all,
  }),
  secretTags: option(z.boolean().optional(), {
    description:
      'derive batch codes from a random secret kept in the store directory, so that whoever writes the data cannot forge an answer line; prompts then differ from store to store',
    group: 'strategy',
    commands: answering,
  }),
  idField: option(z.string().optional(), {
    description: 'column holding each row id',
    group: 'rows',
    commands: all,
    shownDefault: 'the id column where there is one, else the line number',
    placeholder: 'column',
  }),
  labelField: option(z.string().optional(), {
    description: 'column holding the gold answer',
    group: 'rows',
    commands: all,
    shownDefault: { run: 'none', eval: "the task's gold field, else label", plan: 'none' },
    placeholder: 'column',
  }),
  map: option(z.record(z.string(), z.string()).optional(), {
    description: 'read a task field from a differently named column (repeatable)',
    group: 'rows',
    commands: all,
  }),
  limit: option(count(), {
    description: { run: 'a trial: only the first n rows', eval: 'evaluate only the first n rows' },
    group: 'rows',
    commands: answering,
  }),
  sample: option(count(), {
    description: {
      run: 'a trial: a random sample of n rows, chosen by --seed',
      eval: 'evaluate a random sample of n rows, chosen by --seed: the rows run --sample takes',
    },
    group: 'rows',
    commands: answering,
  }),
  skipInvalid: option(z.boolean().optional(), {
    description: {
      run: 'record bad rows as invalid and go on',
      eval: 'leave bad rows out of the scores and go on (their count is printed)',
    },
    group: 'rows',
    commands: answering,
  }),
  baseUrl: option(z.string().optional(), {
    description: baseUrlHelp(),
    group: 'model',
    commands: callers,
    placeholder: 'url',
  }),
  maxCost: option(z.number().min(0).optional(), {
    description: {
      run: 'stop before a call could take the cost past this many dollars (priced with --prices or the built-in table); the same command with a higher budget continues',
      eval: 'stop before a call could take the cost past this many dollars, over all strategies of --compare (priced with --prices or the built-in table)',
    },
    group: 'model',
    commands: answering,
  }),
  allowFailed: option(z.string().refine(isAllowFailed, allowFailedExpected).optional(), {
    description:
      'succeed (exit 0) when up to this many items end without an answer: a count (5) or a share of the items (2%); more, and the run exits 1 (incomplete)',
    group: 'model',
    commands: answering,
    shownDefault: 0,
    placeholder: 'n|p%',
  }),
  prices: option(z.string().optional(), {
    description: 'JSON price table overriding the built-in one',
    group: 'model',
    commands: all,
    placeholder: 'file',
  }),
  yes: option(z.boolean().optional(), {
    description: 'do not ask before a paid run on a terminal',
    group: 'model',
    commands: ['run'],
  }),
  concurrency: option(count(), {
    description: {
      run: 'calls in flight at once',
      eval: 'calls in flight at once',
      worker: 'calls in flight at once on this worker',
    },
    group: 'model',
    commands: callers,
    shownDefault: {
      run: '64 for the simulated model without latency, else 8',
      eval: '64 for the simulated model without latency, else 8',
    },
    value: { worker: 4 },
  }),
  rpm: option(count(), {
    description: {
      run: 'requests per minute limit',
      eval: 'requests per minute limit',
      worker:
        "requests per minute for all workers of the queue together, through BullMQ's limiter (give each the same)",
    },
    group: 'model',
    commands: callers,
  }),
  tpm: option(count(), {
    description: {
      run: 'tokens per minute limit',
      eval: 'tokens per minute limit',
      worker: 'tokens per minute for all workers of the queue together, kept in Redis (give each the same)',
    },
    group: 'model',
    commands: callers,
  }),
  timeoutMs: option(count(), {
    description: 'per-call timeout in milliseconds',
    group: 'model',
    commands: callers,
    shownDefault: schedulerDefaults.timeoutMs,
  }),
  maxRetries: option(z.number().int().min(0).optional(), {
    description: 'retries of a failed call',
    group: 'model',
    commands: callers,
    shownDefault: schedulerDefaults.maxRetries,
  }),
  breakAfter: option(z.number().int().min(1).optional(), {
    description:
      'stop the run (exit 4) once this many requests in a row failed the same way (4xx but 429, 5xx, an unusable reply, no reply) or were answered with no answer that could be read',
    group: 'model',
    commands: answering,
    shownDefault: defaultBreakAfter,
  }),
  serviceTier: option(z.enum(['flex', 'standard', 'auto']).optional(), {
    description: `the provider's service tier (flex and auto: ${serviceTierHelp()}): flex is priced at the table's flex rates (half the list price where a provider sells it; batchprompt prices shows them), slower (--timeout-ms becomes 15 min) and refused at times with a 429; a call refused 3 times in a row waits a minute and asks flex again, or with auto runs in standard. The summary counts the calls of each tier`,
    group: 'model',
    commands: ['run'],
    shownDefault: 'standard',
  }),
  batchApi: option(z.boolean().optional(), {
    description: {
      run: batchApiDescription,
      eval: batchApiDescription,
      plan: "price the calls at the provider's batch rate (run --batch-api)",
    },
    group: 'model',
    commands: all,
  }),
  detach: option(z.boolean().optional(), {
    description: {
      run: 'with --batch-api: submit the jobs and exit; the same command run again collects the results',
      eval: 'refused: eval waits for its batch jobs (run --batch-api --detach does not)',
    },
    group: 'model',
    commands: answering,
  }),
  pollIntervalMs: option(count(), {
    description:
      'with --batch-api: first wait between status checks; each wait is half again as long, up to --max-poll-interval-ms',
    group: 'model',
    commands: answering,
    shownDefault: defaultPolling.pollIntervalMs,
  }),
  maxPollIntervalMs: option(count(), {
    description: 'with --batch-api: longest wait between status checks',
    group: 'model',
    commands: answering,
    shownDefault: defaultPolling.maxPollIntervalMs,
  }),
  queue: option(z.string().optional(), {
    description: {
      run: queueDescription,
      eval: queueDescription,
      worker:
        'the Redis the runs submit their calls to: redis://[user:password@]host:6379, or rediss:// (TLS)',
    },
    group: 'model',
    commands: callers,
    required: { worker: true },
    placeholder: 'redis-url',
  }),
  queueWaitMs: option(count(), {
    description:
      'with --queue: how long Redis may be out of reach before the run stops (exit code 4); the same command resumes later',
    group: 'model',
    commands: answering,
    shownDefault: defaultOutageTimeoutMs,
  }),
  stallMs: option(z.number().int().min(500).optional(), {
    description:
      "how long a job's lock lasts without renewal: the calls of a worker that died are taken by another within about twice this",
    group: 'model',
    commands: ['worker'],
    shownDefault: defaultStallMs,
  }),
  simLatencyMs: option(z.number().int().min(0).optional(), {
    description: 'reply delay of the in-process simulated model',
    group: 'model',
    commands: answering,
    shownDefault: 0,
  }),
  simulateSample: option(count(), {
    description: 'items the simulator runs to estimate early stopping',
    group: 'model',
    commands: ['plan'],
    value: 2000,
  }),
  storeDir: option(z.string(), {
    description: 'response cache and run journal folder',
    group: 'model',
    commands: answering,
    value: defaultStoreDirectory,
    placeholder: 'dir',
  }),
  cache: option(z.boolean(), {
    description: 'neither read nor write the response cache',
    group: 'model',
    commands: answering,
    flag: '--no-cache',
  }),
  resume: option(z.string().optional(), {
    description: 'resume this run (by default the same command resumes its unfinished run)',
    group: 'model',
    commands: ['run'],
    placeholder: 'runId',
  }),
  reviewOut: option(z.string().optional(), {
    description: {
      run: reviewOutDescription,
      eval: `${reviewOutDescription}; one strategy only, not with --compare`,
    },
    group: 'output',
    commands: answering,
    placeholder: 'file',
  }),
  columns: option(z.enum(['with-input', 'answers-only']).optional(), {
    description: 'with-input: every input column, then the answer columns; answers-only: id and answers',
    group: 'output',
    commands: ['run'],
    value: 'with-input',
  }),
  json: option(z.boolean().optional(), {
    description: {
      run: 'print the summary as JSON',
      eval: 'print JSON instead of tables',
      plan: 'print the plan as JSON',
      worker: 'log one JSON object a line instead of plain lines',
    },
    group: 'output',
    commands: [...all, 'worker'],
  }),
  quiet: option(z.boolean().optional(), {
    description: 'no progress output',
    group: 'output',
    commands: answering,
  }),
};

export const commandSchema: z.ZodObject<typeof commandShape> = z.object(commandShape);

/**
 * What a command's action receives for the options above, under commander's camel-case keys
 * (`--no-cache` is `cache`); a command narrows the ones it always has (`eval`'s `model`). The
 * strategy flags are read by `strategyFromCli`.
 */
export interface CommandValues extends z.output<typeof commandSchema> {}

/** Every command option with its key and metadata, in declaration order. */
export function commandOptionLeaves() {
  return optionLeaves(commandSchema, commandOptionMeta);
}
