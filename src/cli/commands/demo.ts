import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { createSimModel } from '../../sim/create-sim-model.js';
import { loadItems } from '../../source/load-items.js';
import { BatchPromptError } from '../../spec/errors.js';
import { boolqTask } from '../../task/builtin-tasks.js';
import type { CommandRegistrar } from '../main.js';
import { comparisonExitCode, printComparison } from './eval.js';

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
      .description(
        'offline demo: compare SinglePrompt, BatchPrompt, BPE, BPE+SEAS and adaptive rounds on 64 shipped yes/no questions with the simulated model',
      )
      .option('--json', 'print JSON instead of a table')
      .action(async (values: { json?: boolean }) => {
        const task = boolqTask;
        const items = await loadItems(findDemoData(), task);
        const seed = 0;
        const model = createSimModel({ profile: 'gpt-4', task, items, seed });
        const { outcome } = await printComparison({
          task,
          items,
          model,
          seed,
          json: values.json ?? false,
          title:
            'batchprompt demo: one task, five strategies, the same 64 yes/no questions (examples/demo/yes-no.jsonl)',
        });
        setExitCode(comparisonExitCode(outcome));
      }),
  );
};
