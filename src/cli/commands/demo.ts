import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BatchPromptError } from '../../spec/errors.js';
import { defaultStoreDirectory } from '../../store/default-store-directory.js';
import { boolqTask } from '../../task/builtin-tasks.js';
import type { CommandRegistrar } from '../main.js';
import { declareCommand } from './command-summaries.js';

const demoFile = join('examples', 'demo', 'yes-no.jsonl');
const ticketsDirectory = join('examples', 'tickets');

/**
 * The shipped demo data (or another shipped example file), found by walking up from this module:
 * the same code runs from `src/` (tsx) and from the bundle in `dist/`, at different depths below
 * the package root.
 */
export function findDemoData(start = dirname(fileURLToPath(import.meta.url)), file = demoFile): string {
  let directory = start;
  for (;;) {
    const candidate = join(directory, file);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(directory);
    if (parent === directory) {
      throw new BatchPromptError(`The demo data ${file} is missing from the installed package`);
    }
    directory = parent;
  }
}

export const register: CommandRegistrar = (program, setExitCode) => {
  declareCommand(program, 'demo')
    .option('--json', 'print JSON instead of a table')
    .option('--outputs', 'ask the shipped tickets four questions each, in one pass and one run per question')
    .action(async (values: { json?: boolean; outputs?: boolean }) => {
      // Loaded here, not with the command: `demo --help` needs none of eval's work.
      const { evalCommand } = await import('./eval.js');
      const common = {
        model: values.outputs ? 'sim:frontier' : 'sim:gpt-4',
        compare: true,
        json: values.json ?? false,
        quiet: true,
        cache: false,
        storeDir: defaultStoreDirectory,
      };
      // `eval --compare` of the shipped data with the simulator at the default seed: the same
      // path as eval.
      const code = values.outputs
        ? await evalCommand(
            {
              ...common,
              task: findDemoData(undefined, join(ticketsDirectory, 'task.yaml')),
              data: findDemoData(undefined, join(ticketsDirectory, 'tickets.jsonl')),
            },
            'batchprompt demo --outputs: four questions about each of 240 support tickets (examples/tickets), asked in one pass and one run per question',
          )
        : await evalCommand(
            { ...common, task: boolqTask.name, data: findDemoData() },
            'batchprompt demo: one task, five strategies, the same 64 yes/no questions (examples/demo/yes-no.jsonl)',
          );
      setExitCode(code);
    });
};
