import { Command, CommanderError } from 'commander';
import {
  ApiCallError,
  fatalEndpointError,
  InputError,
  isAbortError,
  LockError,
  RetryError,
  StoreError,
} from '../spec/errors.js';
import { commandRegistrars } from './commands/index.js';
import { exitCodes } from './exit-codes.js';

/** A command registers itself on the program; the command's action returns its exit code. */
export type CommandRegistrar = (program: Command, setExitCode: (code: number) => void) => void;

export function describeError(error: unknown): { message: string; code: number } {
  if (InputError.isInstance(error)) return { message: `error: ${error.message}`, code: exitCodes.input };
  if (StoreError.isInstance(error)) return { message: `error: ${error.message}`, code: exitCodes.storage };
  if (LockError.isInstance(error)) return { message: `error: ${error.message}`, code: exitCodes.locked };
  if (isAbortError(error)) return { message: 'interrupted', code: exitCodes.interrupted };
  if (ApiCallError.isInstance(error) || RetryError.isInstance(error)) {
    const apiError = RetryError.isInstance(error) ? error.lastError : error;
    // The URL is redacted where the error was made; the key is never in the message.
    const url = ApiCallError.isInstance(apiError) && apiError.url ? ` at ${apiError.url}` : '';
    const cause = fatalEndpointError(error)
      ? `refused the run${describeStatus(apiError)}; the replies received are kept in the store, so the same command resumes once the endpoint is fixed`
      : 'failed';
    return {
      message: `error: the model endpoint${url} ${cause}: ${error.message}`,
      code: exitCodes.provider,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message: `internal error: ${message}`, code: exitCodes.internal };
}

function describeStatus(error: unknown): string {
  if (!ApiCallError.isInstance(error)) return '';
  switch (error.status) {
    case 401:
      return ' (401: the API key is missing or wrong)';
    case 403:
      return ' (403: the key may not use this model)';
    case 404:
      return ' (404: no such model or path)';
    case undefined:
      return ' (it cannot be reached)';
    default:
      return ` (${error.status})`;
  }
}

/** Runs the command line; returns the process exit code. Only this layer reads argv and prints. */
export async function main(argv: string[] = process.argv): Promise<number> {
  let exitCode: number = exitCodes.ok;
  const program = new Command()
    .name('batchprompt')
    .description(
      'Answer an LLM task for every item of a data set with a fraction of the calls and tokens: batched prompts, permutation voting and early stopping.',
    )
    .version('0.1.0')
    .exitOverride();
  for (const register of commandRegistrars) {
    register(program, (code) => {
      exitCode = code;
    });
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
