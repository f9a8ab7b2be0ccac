import type { CommandRegistrar } from '../main.js';
import { register as registerDemo } from './demo.js';
import { register as registerEval } from './eval.js';
import { register as registerJobs } from './jobs.js';
import { register as registerPlan } from './plan.js';
import { register as registerReport } from './report.js';
import { register as registerRun } from './run.js';
import { register as registerSim } from './sim.js';
import { register as registerTask } from './task.js';
import { register as registerWorker } from './worker.js';

/** Every command of the command line, in the order `--help` lists them. */
export const commandRegistrars: CommandRegistrar[] = [
  registerRun,
  registerPlan,
  registerEval,
  registerDemo,
  registerReport,
  registerTask,
  registerJobs,
  registerSim,
  registerWorker,
];
