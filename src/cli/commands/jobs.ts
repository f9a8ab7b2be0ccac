import { Command } from 'commander';
import { defaultStoreDirectory } from '../../store/default-store-directory.js';
import type { CommandRegistrar } from '../main.js';
import { declareCommand } from './command-summaries.js';
import type { JobsCliValues } from './jobs-actions.js';

/**
 * `jobs` and `jobs cancel`, declared without their work: the store and the providers' batch
 * clients load from `jobs-actions.ts` when one of them runs, so that `jobs --help` needs neither.
 */
export const register: CommandRegistrar = (program, setExitCode) => {
  const jobs = declareCommand(program, 'jobs')
    .option('--store-dir <dir>', `cache and journal folder (default ${defaultStoreDirectory})`)
    .option('--no-refresh', 'show what the store recorded; ask no provider')
    .option('--json', 'print the jobs as JSON')
    .action(async (values: JobsCliValues) => {
      const { listJobsAction } = await import('./jobs-actions.js');
      setExitCode(await listJobsAction(values));
    });
  jobs.addCommand(
    new Command('cancel')
      .description(
        'cancel a batch job at its provider; what it finished stays, and the next run submits only the rest',
      )
      .argument('<id>', "the job's id (job-...) or the provider's batch id")
      .option('--store-dir <dir>', `cache and journal folder (default ${defaultStoreDirectory})`)
      .option('--json', 'print the job as JSON')
      .action(async (id: string, _values: unknown, command: Command) => {
        const { cancelJobAction } = await import('./jobs-actions.js');
        setExitCode(await cancelJobAction(id, command));
      }),
  );
};
