import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  expectedValue,
  type OptionKind,
  setAtPath,
  strategyOptionTable,
} from '../engine/strategy-option-table.js';
import type { StrategyOptions } from '../engine/types.js';
import { defaultPolling } from '../jobs/batch-api-model.js';
import { defaultLocalModelUri } from '../models/default-local-model.js';
import { batchApiHelp, modelUriHelp } from '../providers/provider-table.js';
import { resolveSchedulerOptions } from '../runtime/resolve-scheduler-options.js';
import { defaultStoreDirectory } from '../store/open-store.js';

/** The commands that take their options from the table. */
export type CommandName = 'run' | 'eval' | 'plan';

export const tableCommands: readonly CommandName[] = ['run', 'eval', 'plan'];

export type CliOptionKind =
  | OptionKind
  /** A free value: a file, a URI, a column name. */
  | { type: 'text'; placeholder: string }
  /** A flag without a value; a `--no-` flag turns something off. */
  | { type: 'switch' }
  /** `field=column`, repeatable. */
  | { type: 'mapping' };

/** One value for every command, or one per command where they differ. */
type PerCommand<T> = T | Partial<Record<CommandName, T>>;

export interface CliOptionSpec {
  flag: `--${string}`;
  kind: CliOptionKind;
  /**
   * The default as `--help` and the README show it. The value itself is applied by the library
   * (strategy and scheduling options) or where the option is read, unless `value` is given.
   */
  default?: PerCommand<string | number>;
  /** The value the command sees when the flag is absent, where no library default applies. */
  value?: PerCommand<string | number>;
  description: PerCommand<string>;
  commands: readonly CommandName[];
  /** Must be given. */
  required?: true;
  /** Sets this strategy option (a row of `strategyOptionTable`). */
  strategyPath?: string;
}

const allCommands = tableCommands;
const answering = ['run', 'eval'] as const;
/** The scheduler's own defaults, shown as they are rather than written out again. */
const schedulerDefaults = resolveSchedulerOptions({});

/**
 * Every option of `run`, `eval` and `plan`, declared once: the strategy options come from the
 * engine's `strategyOptionTable` (so the library and the commands take the same ones), the rest
 * are the commands' own. Each command builds its flags and help from this table
 * (`addTableOptions`), and the README's option reference is written from it
 * (`scripts/write-option-reference.ts`); `test/option-table.test.ts` checks that all three agree.
 */
export const cliOptionTable: readonly CliOptionSpec[] = [
  {
    flag: '--task',
    kind: { type: 'text', placeholder: 'task' },
    description: 'built-in task (boolq, rte, qqp, gsm8k) or a task file (.yaml, .json)',
    commands: allCommands,
    required: true,
  },
  {
    flag: '--data',
    kind: { type: 'text', placeholder: 'file' },
    description: {
      run: 'data file: .jsonl, .csv, .json or .parquet',
      eval: 'labelled data: .jsonl, .csv, .json or .parquet',
      plan: 'data file: .jsonl, .csv, .json or .parquet',
    },
    commands: allCommands,
    required: true,
  },
  {
    flag: '--model',
    kind: { type: 'text', placeholder: 'uri' },
    default: { run: `a small local model, ${defaultLocalModelUri}, downloaded on first use` },
    value: { eval: 'sim', plan: 'sim' },
    description: {
      run: modelUriHelp(),
      eval: modelUriHelp(),
      plan: 'the model to price',
    },
    commands: allCommands,
  },
  {
    flag: '--base-url',
    kind: { type: 'text', placeholder: 'url' },
    description: 'endpoint for openai-compatible: and ollama: models',
    commands: answering,
  },
  ...strategyOptionTable.map(
    (spec): CliOptionSpec => ({
      flag: spec.flag,
      kind: spec.kind,
      default: typeof spec.default === 'object' ? spec.default.derived : spec.default,
      description: spec.description,
      commands: allCommands,
      strategyPath: spec.path,
    }),
  ),
  {
    flag: '--no-seas',
    kind: { type: 'switch' },
    description: 'no early stopping: bpe+seas and adaptive become bpe, every item goes through every round',
    commands: allCommands,
  },
  {
    flag: '--reasoning',
    kind: { type: 'switch' },
    description: 'ask for a short worked solution before each answer (more output tokens)',
    commands: allCommands,
  },
  {
    flag: '--id-field',
    kind: { type: 'text', placeholder: 'column' },
    default: 'the id column where there is one, else the line number',
    description: 'column holding each row id',
    commands: allCommands,
  },
  {
    flag: '--label-field',
    kind: { type: 'text', placeholder: 'column' },
    default: { run: 'none', eval: "the task's gold field, else label", plan: 'none' },
    description: 'column holding the gold answer',
    commands: allCommands,
  },
  {
    flag: '--map',
    kind: { type: 'mapping' },
    description: 'read a task field from a differently named column (repeatable)',
    commands: allCommands,
  },
  {
    flag: '--concurrency',
    kind: { type: 'integer', minimum: 1 },
    default: '64 for the simulated model without latency, else 8',
    description: 'calls in flight at once',
    commands: answering,
  },
  {
    flag: '--rpm',
    kind: { type: 'integer', minimum: 1 },
    description: 'requests per minute limit',
    commands: answering,
  },
  {
    flag: '--tpm',
    kind: { type: 'integer', minimum: 1 },
    description: 'tokens per minute limit',
    commands: answering,
  },
  {
    flag: '--timeout-ms',
    kind: { type: 'integer', minimum: 1 },
    default: schedulerDefaults.timeoutMs,
    description: 'per-call timeout in milliseconds',
    commands: answering,
  },
  {
    flag: '--max-retries',
    kind: { type: 'integer', minimum: 0 },
    default: schedulerDefaults.maxRetries,
    description: 'retries of a failed call',
    commands: answering,
  },
  {
    flag: '--sim-latency-ms',
    kind: { type: 'integer', minimum: 0 },
    default: 0,
    description: 'reply delay of the in-process simulated model',
    commands: answering,
  },
  {
    flag: '--store-dir',
    kind: { type: 'text', placeholder: 'dir' },
    value: defaultStoreDirectory,
    description: 'response cache and run journal folder',
    commands: answering,
  },
  {
    flag: '--no-cache',
    kind: { type: 'switch' },
    description: 'neither read nor write the response cache',
    commands: answering,
  },
  {
    flag: '--prices',
    kind: { type: 'text', placeholder: 'file' },
    description: 'JSON price table overriding the built-in one',
    commands: allCommands,
  },
  {
    flag: '--batch-api',
    kind: { type: 'switch' },
    description: {
      run: `send each voting round as one job to the provider's batch API (${batchApiHelp()}): half the price, results within 24 h`,
      eval: `send each voting round as one job to the provider's batch API (${batchApiHelp()}): half the price, results within 24 h`,
      plan: "price the calls at the provider's batch rate (run --batch-api)",
    },
    commands: allCommands,
  },
  {
    flag: '--detach',
    kind: { type: 'switch' },
    description: {
      run: 'with --batch-api: submit the jobs and exit; the same command run again collects the results',
      eval: 'refused: eval waits for its batch jobs (run --batch-api --detach does not)',
    },
    commands: answering,
  },
  {
    flag: '--poll-interval-ms',
    kind: { type: 'integer', minimum: 1 },
    default: defaultPolling.pollIntervalMs,
    description:
      'with --batch-api: first wait between status checks; each wait is half again as long, up to --max-poll-interval-ms',
    commands: answering,
  },
  {
    flag: '--max-poll-interval-ms',
    kind: { type: 'integer', minimum: 1 },
    default: defaultPolling.maxPollIntervalMs,
    description: 'with --batch-api: longest wait between status checks',
    commands: answering,
  },
  {
    flag: '--skip-invalid',
    kind: { type: 'switch' },
    description: {
      run: 'record bad rows as invalid and go on',
      eval: 'leave bad rows out of the scores and go on (their count is printed)',
    },
    commands: answering,
  },
  {
    flag: '--secret-tags',
    kind: { type: 'switch' },
    description:
      'derive batch codes from a random secret kept in the store directory, so that whoever writes the data cannot forge an answer line; prompts then differ from store to store',
    commands: answering,
  },
  {
    flag: '--out',
    kind: { type: 'text', placeholder: 'file' },
    description: {
      run: 'results file, .jsonl, .csv or .parquet',
      eval: 'write per-item results (JSONL or CSV); with --compare, one JSON line per strategy',
    },
    commands: answering,
  },
  {
    flag: '--review-out',
    kind: { type: 'text', placeholder: 'file' },
    description: {
      run: 'also write the rows whose votes never settled (unsure throughout, or split) to this file, for a person to check',
      eval: 'also write the rows whose votes never settled (unsure throughout, or split) to this file, for a person to check; one strategy only, not with --compare',
    },
    commands: answering,
  },
  {
    flag: '--columns',
    kind: { type: 'choice', choices: ['with-input', 'answers-only'] },
    value: 'with-input',
    description: 'with-input: every input column, then the answer columns; answers-only: id and answers',
    commands: ['run'],
  },
  {
    flag: '--resume',
    kind: { type: 'text', placeholder: 'runId' },
    description: 'resume this run (by default the same command resumes its unfinished run)',
    commands: ['run'],
  },
  {
    flag: '--limit',
    kind: { type: 'integer', minimum: 1 },
    description: {
      run: 'a trial: only the first n rows',
      eval: 'evaluate only the first n rows',
    },
    commands: answering,
  },
  {
    flag: '--sample',
    kind: { type: 'integer', minimum: 1 },
    description: {
      run: 'a trial: a random sample of n rows, chosen by --seed',
      eval: 'evaluate a random sample of n rows, chosen by --seed: the rows run --sample takes',
    },
    commands: answering,
  },
  {
    flag: '--max-cost',
    kind: { type: 'number', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    description: {
      run: 'stop before a call could take the cost past this many dollars (priced with --prices or the built-in table); the same command with a higher budget continues',
      eval: 'stop before a call could take the cost past this many dollars, over all strategies of --compare (priced with --prices or the built-in table)',
    },
    commands: answering,
  },
  {
    flag: '--yes',
    kind: { type: 'switch' },
    description: 'do not ask before a paid run on a terminal',
    commands: ['run'],
  },
  {
    flag: '--compare',
    kind: { type: 'switch' },
    description: 'run single, batch, bpe and bpe+seas on the same items, side by side',
    commands: ['eval'],
  },
  {
    flag: '--simulate-sample',
    kind: { type: 'integer', minimum: 1 },
    value: 2000,
    description: 'items the simulator runs to estimate early stopping',
    commands: ['plan'],
  },
  {
    flag: '--json',
    kind: { type: 'switch' },
    description: {
      run: 'print the summary as JSON',
      eval: 'print JSON instead of tables',
      plan: 'print the plan as JSON',
    },
    commands: allCommands,
  },
  {
    flag: '--quiet',
    kind: { type: 'switch' },
    description: 'no progress output',
    commands: answering,
  },
];

/** The value placeholder of a flag in `--help` and the README: `<n>`, `<a|b>`, `<file>`. */
export function placeholderOf(kind: CliOptionKind): string {
  switch (kind.type) {
    case 'integer':
      return '<n>';
    case 'number':
      return '<x>';
    case 'choice':
      return `<${kind.choices.join('|')}>`;
    case 'text':
      return `<${kind.placeholder}>`;
    case 'mapping':
      return '<field=column>';
    case 'switch':
      return '';
  }
}

export function forCommand<T>(value: PerCommand<T> | undefined, command: CommandName): T | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'object' && value !== null
    ? (value as Partial<Record<CommandName, T>>)[command]
    : (value as T);
}

/** The value a command sees when the flag is absent; undefined where the library's default applies. */
export function valueFor(spec: CliOptionSpec, command: CommandName): string | number | undefined {
  return forCommand(spec.value, command);
}

/** The default as `--help` and the README show it, for one command. */
export function defaultText(spec: CliOptionSpec, command: CommandName): string | undefined {
  const shown = forCommand(spec.default, command) ?? valueFor(spec, command);
  return shown === undefined ? undefined : String(shown);
}

export function descriptionFor(spec: CliOptionSpec, command: CommandName): string {
  const text = forCommand(spec.description, command);
  if (text === undefined) throw new Error(`${spec.flag} has no description for ${command}`);
  return text;
}

/**
 * The help line of an option for one command: its description, then its default (commander adds
 * `(default: ...)` itself for an option with a `value`).
 */
export function helpText(spec: CliOptionSpec, command: CommandName): string {
  const shown = forCommand(spec.default, command);
  const description = descriptionFor(spec, command);
  return shown === undefined ? description : `${description} (default: ${String(shown)})`;
}

/** Parses a flag's text into its value, checked as the library checks it. */
function parserFor(kind: CliOptionKind): ((value: string, previous: unknown) => unknown) | undefined {
  if (kind.type === 'mapping') {
    return (value, previous) => {
      const match = /^([^=]+)=(.+)$/.exec(value);
      if (!match) throw new InvalidArgumentError(`expected task_field=column, got \`${value}\``);
      return { ...(previous as Record<string, string> | undefined), [match[1]!.trim()]: match[2]!.trim() };
    };
  }
  if (kind.type === 'text' || kind.type === 'switch') return undefined;
  return (value) => {
    const parsed =
      kind.type === 'choice'
        ? value
        : kind.type === 'integer' && !/^-?\d+$/.test(value.trim())
          ? Number.NaN
          : value.trim() === ''
            ? Number.NaN
            : Number(value);
    const expected = expectedValue(kind, parsed);
    if (expected !== undefined) throw new InvalidArgumentError(`expected ${expected}, got \`${value}\``);
    return parsed;
  };
}

/** Adds the table's options for `name` to a command, with the table's help text. */
export function addTableOptions(command: Command, name: CommandName): Command {
  for (const spec of cliOptionTable) {
    if (!spec.commands.includes(name)) continue;
    const placeholder = placeholderOf(spec.kind);
    const option = new Option(
      `${spec.flag}${placeholder === '' ? '' : ` ${placeholder}`}`,
      helpText(spec, name),
    );
    const parser = parserFor(spec.kind);
    if (parser) option.argParser(parser);
    if (spec.required) option.makeOptionMandatory();
    const value = valueFor(spec, name);
    if (value !== undefined) option.default(value, String(value));
    command.addOption(option);
  }
  return command;
}

/** The key commander stores a flag's value under: `--batch-size` is `batchSize`, `--no-seas` is `seas`. */
export function commanderKey(flag: string): string {
  return flag.replace(/^--(no-)?/, '').replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** The values commander parses from the table's flags, under their camel-case names. */
export interface CliValues {
  task: string;
  data: string;
  model?: string;
  baseUrl?: string;
  idField?: string;
  labelField?: string;
  map?: Record<string, string>;
  seas?: boolean;
  reasoning?: boolean;
  seed?: number;
  maxBatchTokens?: number;
  concurrency?: number;
  rpm?: number;
  tpm?: number;
  timeoutMs?: number;
  maxRetries?: number;
  simLatencyMs?: number;
  /** Always set: the table gives it a value. */
  storeDir: string;
  cache?: boolean;
  prices?: string;
  batchApi?: boolean;
  detach?: boolean;
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
  skipInvalid?: boolean;
  secretTags?: boolean;
  out?: string;
  sample?: number;
  json?: boolean;
  quiet?: boolean;
}

/** The strategy options a command's parsed values set, for `resolveStrategy`. */
export function strategyFromCli(values: object): StrategyOptions {
  const given = values as Record<string, unknown>;
  const strategy: Record<string, unknown> = {};
  for (const spec of strategyOptionTable) {
    const value = given[commanderKey(spec.flag)];
    if (value !== undefined) setAtPath(strategy, spec.path, value);
  }
  if (
    given.seas === false &&
    (strategy.strategy === undefined || strategy.strategy === 'bpe+seas' || strategy.strategy === 'adaptive')
  ) {
    strategy.strategy = 'bpe';
  }
  return strategy as StrategyOptions;
}

/** The data-source mapping the flags set (`--id-field`, `--label-field`, `--map`). */
export function mappingFromCli(values: CliValues): {
  idField?: string;
  labelField?: string;
  fieldMap?: Record<string, string>;
} {
  return {
    ...(values.idField === undefined ? {} : { idField: values.idField }),
    ...(values.labelField === undefined ? {} : { labelField: values.labelField }),
    ...(values.map === undefined ? {} : { fieldMap: values.map }),
  };
}
