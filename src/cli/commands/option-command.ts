import type { Command } from 'commander';
import { addCommandOptions } from '../command-flags.js';
import type { CommandName } from '../command-options.js';
import type { CommandRegistrar } from '../main.js';
import { declareCommand } from './command-summaries.js';

/** What runs a command of the option schema: its values in, the exit code out. */
export type OptionCommandAction<Values> = (values: Values) => Promise<number>;

/** Declares `run`, `plan`, `eval` or `worker` on the program from the option schema alone, with no action yet. */
export function declareOptionCommand(program: Command, name: CommandName): Command {
  return addCommandOptions(declareCommand(program, name), name);
}

/**
 * A command of the option schema, declared without its work: `run --help` needs the schema only,
 * and the module with the work (the engine, the store, the SDKs, the tokenizer) loads when the
 * command runs.
 */
export function optionCommand<Values>(
  name: CommandName,
  loadAction: () => Promise<OptionCommandAction<Values>>,
): CommandRegistrar {
  return (program, setExitCode) => {
    declareOptionCommand(program, name).action(async (values: Values) => {
      const action = await loadAction();
      setExitCode(await action(values));
    });
  };
}
