import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { BatchPromptError } from '../../spec/errors.js';
import { defaultStoreDirectory } from '../../store/open-store.js';
import { boolqTask } from '../../task/builtin-tasks.js';
import type { CommandRegistrar } from '../main.js';
import { commandSummaries } from './command-summaries.js';
import { evalCommand } from './eval.js';

const demoFile = join('examples', 'demo', 'yes-no.jsonl');

/**
 * The shipped demo data, found by walking up from this module: the same code runs from `src/`
 * (tsx) and from the bundle in `dist/`, at different depths below the package root.
 */
export function findDemoData(start = dirname(fileURLToPath(import.meta.url))): string {
  let directory = start;
  for (;;) {
    const candidate = join(directory, demoFile);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(directory);
    if (parent === directory) {
      throw new BatchPromptError(`The demo data ${demoFile} is missing from the installed package`);
    }
    directory = parent;
  }
}

export const register: CommandRegistrar = (program, setExitCode) => {
  program.addCommand(
    new Command('demo')
      .description(commandSummaries.demo)
      .option('--json', 'print JSON instead of a table')
      .action(async (values: { json?: boolean }) => {
        // `eval --compare` of the shipped data with the simulator at the default seed: the same
        // path as eval.
        const code = await evalCommand(
          {
            task: boolqTask.name,
            data: findDemoData(),
            model: 'sim:gpt-4',
            compare: true,
            json: values.json ?? false,
            quiet: true,
            cache: false,
            storeDir: defaultStoreDirectory,
          },
          'batchprompt demo: one task, five strategies, the same 64 yes/no questions (examples/demo/yes-no.jsonl)',
        );
        setExitCode(code);
      }),
  );
};
