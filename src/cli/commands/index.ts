import type { CommandName as SchemaCommandName } from '../command-options.js';
import type { CommandRegistrar } from '../main.js';
import type { CommandName } from './command-summaries.js';
import type { OptionCommandAction } from './option-command.js';

type CommandModule = () => Promise<{ register: CommandRegistrar }>;

/**
 * run, plan, eval and worker: declared from the option schema, their work loaded only when they
 * run, so that their `--help` loads neither the AI SDK nor the tokenizer.
 */
function optionCommandModule<Values>(
  name: SchemaCommandName,
  loadAction: () => Promise<OptionCommandAction<Values>>,
): CommandModule {
  return async () => ({ register: (await import('./option-command.js')).optionCommand(name, loadAction) });
}

/**
 * Every command's module, loaded only when the command line names it: each brings its own
 * dependencies (the AI SDK, SQLite, the tokenizer), which `--help` and `--version` do without.
 */
export const commandModules: Record<CommandName, CommandModule> = {
  run: optionCommandModule('run', async () => (await import('./run.js')).runAction),
  plan: optionCommandModule('plan', async () => (await import('./plan.js')).planAction),
  prices: () => import('./prices.js'),
  eval: optionCommandModule('eval', async () => (await import('./eval.js')).evalCommand),
  demo: () => import('./demo.js'),
  report: () => import('./report.js'),
  task: () => import('./task.js'),
  jobs: () => import('./jobs.js'),
  sim: () => import('./sim.js'),
  worker: optionCommandModule('worker', async () => (await import('./worker.js')).runWorker),
};
