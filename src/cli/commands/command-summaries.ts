import { Command } from 'commander';

/**
 * The one-line description of every command, in the order `--help` lists them. It imports only
 * commander, which the command line has loaded already: `batchprompt --help` and `--version` read
 * it without loading any command (the AI SDK, the provider SDKs, SQLite and the o200k tables load
 * only with the command that uses them).
 */
export const commandSummaries = {
  run: 'answer the task for every row of a data file',
  plan: 'calls, tokens and cost before anything is sent (no model calls)',
  prices:
    'print what a model is charged per million tokens in each tier (standard, batch API, flex), with cache reads and writes, and where each figure came from',
  eval: 'answer a labelled data set and score the answers; --compare runs every strategy side by side',
  demo: 'offline demo: compare SinglePrompt, BatchPrompt, BPE, BPE+SEAS and adaptive rounds on 64 shipped yes/no questions with the simulated model',
  report:
    'write a self-contained HTML report (charts, a sample batch) of what `run --json`, `eval --json` (with or without `--compare`) or `demo --json` printed',
  task: 'check a task file, or write a commented one to start from',
  jobs: 'list the provider batch jobs of a store (`run --batch-api`), with their status, counts and age',
  sim: 'the simulated model (calibrated to published or measured results; not a real LLM)',
  worker:
    'take the calls of `run --queue` / `eval --queue` for one model from Redis and answer them, until SIGTERM or Ctrl-C (which finish the calls in flight first)',
} as const;

export type CommandName = keyof typeof commandSummaries;

/**
 * Declares a command on the program, described by its summary here (its name is written once, so
 * the two cannot disagree), and returns it for its options and action.
 */
export function declareCommand(program: Command, name: keyof typeof commandSummaries): Command {
  const command = new Command(name).description(commandSummaries[name]);
  program.addCommand(command);
  return command;
}
