import { Command, CommanderError } from 'commander';
import { dropOutputOfClosedPipe } from './closed-pipe.js';
import { type CommandName, commandSummaries, declareCommand } from './commands/command-summaries.js';
import { commandModules } from './commands/index.js';
import { describeError } from './describe-error.js';
import { exitCodes } from './exit-codes.js';
import { routeSdkWarnings } from './route-sdk-warnings.js';

/** A command registers itself on the program; the command's action returns its exit code. */
export type CommandRegistrar = (program: Command, setExitCode: (code: number) => void) => void;

/** Runs the command line; returns the process exit code. Only this layer reads argv and prints. */
export async function main(argv: string[] = process.argv): Promise<number> {
  let exitCode: number = exitCodes.ok;
  routeSdkWarnings((line) => process.stderr.write(line));
  dropOutputOfClosedPipe(process.stdout);
  dropOutputOfClosedPipe(process.stderr);
  const program = new Command()
    .name('batchprompt')
    .description(
      'Answer an LLM task for every item of a data set with a fraction of the calls and tokens: batched prompts, permutation voting and early stopping.',
    )
    .version('0.1.0')
    .exitOverride();
  // Only the command named is loaded; the others are listed by name and summary for `--help`.
  const named = commandNamed(argv.slice(2));
  for (const name of Object.keys(commandSummaries) as CommandName[]) {
    if (name === named) {
      const { register } = await commandModules[name]();
      register(program, (code) => {
        exitCode = code;
      });
    } else declareCommand(program, name);
  }
  // Commands built with `new Command()` do not inherit these settings from the program. A usage
  // error shows its message and one line on where the options are, not the whole help over it.
  const configure = (command: Command, path: string) => {
    command.exitOverride().showHelpAfterError(`(${path} --help lists the options)`);
    for (const sub of command.commands) configure(sub, `${path} ${sub.name()}`);
  };
  configure(program, 'batchprompt');
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return exitCodes.ok;
      if (error.code === 'commander.help') return exitCodes.ok;
      return exitCodes.usage;
    }
    const described = describeError(error);
    process.stderr.write(`${described.message}\n`);
    return described.code;
  }
  return exitCode;
}

/** The command the arguments name (`help run` names run), if any. */
function commandNamed(args: readonly string[]): CommandName | undefined {
  const words = args.filter((arg) => !arg.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return name !== undefined && Object.hasOwn(commandSummaries, name) ? (name as CommandName) : undefined;
}
