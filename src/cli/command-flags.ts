import { type Command, InvalidArgumentError, Option } from 'commander';
import type { z } from 'zod';
import {
  expectedText,
  type OptionGroup,
  type OptionKind,
  optionDefault,
  optionGroups,
  optionKind,
  setAtPath,
} from '../engine/option-schema.js';
import { strategyOptionLeaves } from '../engine/strategy-options.js';
import type { StrategyOptions } from '../engine/types.js';
import { InputError } from '../spec/errors.js';
import {
  type CommandName,
  type CommandValues,
  commandOptionLeaves,
  type PerCommand,
  strategyCommands,
} from './command-options.js';

/** One flag of `run`, `eval`, `plan` or `worker`, from a strategy option or a command option. */
export interface FlagSpec {
  flag: `--${string}`;
  kind: OptionKind;
  /** The leaf schema a value must pass. */
  schema: z.ZodType;
  group: OptionGroup;
  commands: readonly CommandName[];
  description: PerCommand<string>;
  /** The default as `--help` and the README show it. */
  shownDefault?: PerCommand<string | number>;
  /** The value the command sees when the flag is absent. */
  value?: PerCommand<string | number>;
  /** Must be given, to every command or to those named. */
  required?: PerCommand<true>;
  placeholder?: string;
  /** The strategy option it sets (`adaptive.risk`). */
  strategyPath?: string;
  /** A deprecated alias: the flag that replaces it. */
  replacedBy?: `--${string}`;
}

/** `adaptive.stableChangeRate.sure` is `--adaptive-stable-change-rate-sure`. */
function flagOf(path: string): `--${string}` {
  return `--${path.replaceAll('.', '-').replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

let flags: FlagSpec[] | undefined;

/**
 * Every flag, grouped as `--help` lists them: by `optionGroups`, and within a group the strategy
 * options before the commands' own, each in declaration order.
 */
export function commandFlags(): readonly FlagSpec[] {
  flags ??= [
    ...strategyOptionLeaves().map(({ path, schema, meta }): FlagSpec => {
      const shownDefault = meta.derivedDefault ?? (optionDefault(schema) as string | number | undefined);
      return {
        flag: flagOf(path),
        kind: optionKind(schema),
        schema,
        group: meta.group,
        commands: strategyCommands,
        description: meta.description,
        ...(shownDefault === undefined ? {} : { shownDefault }),
        strategyPath: path,
        ...(meta.replacedBy === undefined ? {} : { replacedBy: flagOf(meta.replacedBy) }),
      };
    }),
    ...commandOptionLeaves().map(
      ({ path, schema, meta }): FlagSpec => ({
        flag: meta.flag ?? flagOf(path),
        kind: optionKind(schema),
        schema,
        group: meta.group,
        commands: meta.commands,
        description: meta.description,
        ...(meta.shownDefault === undefined ? {} : { shownDefault: meta.shownDefault }),
        ...(meta.value === undefined ? {} : { value: meta.value }),
        ...(meta.required === undefined ? {} : { required: meta.required }),
        ...(meta.placeholder === undefined ? {} : { placeholder: meta.placeholder }),
      }),
    ),
  ];
  const order = Object.keys(optionGroups);
  return flags.sort((a, b) => order.indexOf(a.group) - order.indexOf(b.group));
}

/** The value placeholder of a flag in `--help` and the README: `<n>`, `<a|b>`, `<file>`. */
export function placeholderOf(spec: FlagSpec): string {
  switch (spec.kind.type) {
    case 'integer':
      return '<n>';
    case 'number':
      return '<x>';
    case 'choice':
      return `<${spec.kind.choices.join('|')}>`;
    case 'text':
      return `<${spec.placeholder ?? 'text'}>`;
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

/** The default as `--help` and the README show it, for one command. */
export function defaultText(spec: FlagSpec, command: CommandName): string | undefined {
  const shown = forCommand(spec.shownDefault, command) ?? forCommand(spec.value, command);
  return shown === undefined ? undefined : String(shown);
}

/** Whether `command` must be given the flag. */
export function isRequired(spec: FlagSpec, command: CommandName): boolean {
  return forCommand(spec.required, command) === true;
}

export function descriptionFor(spec: FlagSpec, command: CommandName): string {
  const text = forCommand(spec.description, command);
  if (text === undefined) throw new Error(`${spec.flag} has no description for ${command}`);
  return text;
}

/**
 * The help line of a flag for one command: its description, then `(required)` or its default
 * (commander adds `(default: ...)` itself for a flag with a `value`).
 */
export function helpText(spec: FlagSpec, command: CommandName): string {
  const description = descriptionFor(spec, command);
  if (isRequired(spec, command)) return `${description} (required)`;
  const shown = forCommand(spec.shownDefault, command);
  return shown === undefined ? description : `${description} (default: ${String(shown)})`;
}

/** Parses a flag's text into its value, checked by the option's own schema. */
function parserFor(spec: FlagSpec): ((value: string, previous: unknown) => unknown) | undefined {
  const { kind } = spec;
  if (kind.type === 'mapping') {
    return (value, previous) => {
      const match = /^([^=]+)=(.+)$/.exec(value);
      if (!match) throw new InvalidArgumentError(`expected task_field=column, got \`${value}\``);
      return { ...(previous as Record<string, string> | undefined), [match[1]!.trim()]: match[2]!.trim() };
    };
  }
  if (kind.type === 'switch') return undefined;
  if (kind.type === 'text') {
    // A text option with a rule of its own (`--allow-failed 2%`) is checked at the flag too.
    return (value) => {
      const parsed = spec.schema.safeParse(value);
      if (!parsed.success) {
        throw new InvalidArgumentError(`expected ${parsed.error.issues[0]?.message}, got \`${value}\``);
      }
      return value;
    };
  }
  return (value) => {
    const text = value.trim();
    const parsed =
      kind.type === 'choice'
        ? value
        : text === '' || (kind.type === 'integer' && !/^-?\d+$/.test(text))
          ? Number.NaN
          : Number(text);
    if (!spec.schema.safeParse(parsed).success) {
      throw new InvalidArgumentError(`expected ${expectedText(kind)}, got \`${value}\``);
    }
    return parsed;
  };
}

/** Adds the flags of `name` to a command, grouped in its help, with their help text. */
export function addCommandOptions(command: Command, name: CommandName): Command {
  for (const spec of commandFlags()) {
    if (!spec.commands.includes(name)) continue;
    const placeholder = placeholderOf(spec);
    const option = new Option(
      `${spec.flag}${placeholder === '' ? '' : ` ${placeholder}`}`,
      helpText(spec, name),
    ).helpGroup(optionGroups[spec.group]);
    const parser = parserFor(spec);
    if (parser) option.argParser(parser);
    if (isRequired(spec, name)) option.makeOptionMandatory();
    if (spec.replacedBy) option.hideHelp();
    const value = forCommand(spec.value, name);
    if (value !== undefined) option.default(value, String(value));
    command.addOption(option);
  }
  return command;
}

/** The key commander stores a flag's value under: `--batch-size` is `batchSize`, `--no-seas` is `seas`. */
export function commanderKey(flag: string): string {
  return flag.replace(/^--(no-)?/, '').replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * The strategy options a command's parsed values set, for `resolveStrategy`. A deprecated flag
 * sets the option that replaced it, with a warning on stderr.
 */
export function strategyFromCli(values: object): StrategyOptions {
  const given = values as Record<string, unknown>;
  const strategy: Record<string, unknown> = {};
  const specs = commandFlags().filter((spec) => spec.strategyPath !== undefined);
  for (const spec of specs) {
    const value = given[commanderKey(spec.flag)];
    if (value === undefined) continue;
    if (spec.replacedBy === undefined) {
      setAtPath(strategy, spec.strategyPath!, value);
      continue;
    }
    const replacement = given[commanderKey(spec.replacedBy)];
    if (replacement !== undefined && replacement !== value) {
      throw new InputError(`${spec.flag} is the old name of ${spec.replacedBy}: give one of them`, {
        field: spec.flag.slice(2),
      });
    }
    process.stderr.write(
      `warning: ${spec.flag} is deprecated and goes in the next release; use ${spec.replacedBy}\n`,
    );
    const target = specs.find((candidate) => candidate.flag === spec.replacedBy)!;
    setAtPath(strategy, target.strategyPath!, value);
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
export function mappingFromCli(values: Pick<CommandValues, 'idField' | 'labelField' | 'map'>): {
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
