import type { CommandRegistrar } from '../main.js';
import type { CommandName } from './command-summaries.js';

/**
 * Every command's module, loaded only when the command line names it: each brings its own
 * dependencies (the AI SDK, SQLite, the tokenizer), which `--help` and `--version` do without.
 */
export const commandModules: Record<CommandName, () => Promise<{ register: CommandRegistrar }>> = {
  run: () => import('./run.js'),
  plan: () => import('./plan.js'),
  prices: () => import('./prices.js'),
  eval: () => import('./eval.js'),
  demo: () => import('./demo.js'),
  report: () => import('./report.js'),
  task: () => import('./task.js'),
  jobs: () => import('./jobs.js'),
  sim: () => import('./sim.js'),
  worker: () => import('./worker.js'),
};
