import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { builtinTasks } from '../../task/builtin-tasks.js';
import { checkTaskFile, loadTask, taskFileError } from '../../task/load-task.js';
import { outputsTaskTemplate } from '../../task/outputs-task-template.js';
import type { AnswerSpace, OutputAnswerSpace, Task } from '../../task/task-schema.js';
import { taskTemplate } from '../../task/task-template.js';
import { exitCodes } from '../exit-codes.js';
import type { CommandRegistrar } from '../main.js';
import { declareCommand } from './command-summaries.js';

/** What a task file defines, in one paragraph: what `task check` prints when the file is good. */
function describeAnswers(space: AnswerSpace | OutputAnswerSpace): string {
  if (space.type === 'number') return `a ${space.integer ? 'whole ' : ''}number`;
  if (space.type === 'text') return `text of at most ${space.maxWords} words`;
  const labels = space.labels.map((label) => label.value).join(', ');
  if (!('multiple' in space) || !space.multiple) return `one of ${space.labels.length} labels (${labels})`;
  return `${space.min ?? 1} to ${space.max ?? space.labels.length} of ${space.labels.length} labels (${labels})`;
}

export function describeTask(task: Task): string {
  const answer =
    task.outputs === undefined
      ? describeAnswers(task.answer)
      : `${task.outputs.length} outputs in one pass: ${task.outputs.map((output) => `\`${output.name}\`, ${describeAnswers(output.answer)}`).join('; ')}`;
  const gold =
    task.outputs !== undefined
      ? `gold answers in the columns named like the outputs (map others with --label-field <output>=<column>)`
      : task.goldField === undefined
        ? 'no gold column (give one with --label-field)'
        : `gold answers in column \`${task.goldField}\``;
  return [
    `task \`${task.name}\`: the model sees ${task.fields.map((field) => field.name).join(', ')} and answers ${answer}`,
    `${task.examples.length} worked example(s)${task.reasoning ? ', with a worked solution before each answer' : ''}`,
    gold,
  ].join('; ');
}

export const register: CommandRegistrar = (program, setExitCode) => {
  const task = declareCommand(program, 'task');
  task
    .command('check')
    .description(
      'read a task file as a run would, and say what it defines or what is wrong (file, line, column)',
    )
    .argument('<file>', 'the task file, YAML or JSON')
    .action((file: string) => {
      // A built-in name or a missing file throws an InputError (exit 3) naming it.
      if (builtinTasks[file] !== undefined || !existsSync(file)) {
        process.stdout.write(`ok: ${file} defines ${describeTask(loadTask(file))}\n`);
        setExitCode(exitCodes.ok);
        return;
      }
      const checked = checkTaskFile(readFileSync(file, 'utf8'), file);
      if ('task' in checked) {
        process.stdout.write(`ok: ${file} defines ${describeTask(checked.task)}\n`);
        setExitCode(exitCodes.ok);
        return;
      }
      // Every problem, each with its file, line, column and key, so the file is fixed in one pass.
      for (const problem of checked.problems)
        process.stderr.write(`error: ${taskFileError(problem).message}\n`);
      const count = checked.problems.length;
      process.stderr.write(`${count} problem${count === 1 ? '' : 's'} in ${file}\n`);
      setExitCode(exitCodes.input);
    });
  task
    .command('init')
    .description('write a task file with every key explained, to edit into your own')
    .argument('[file]', 'where to write it', 'task.yaml')
    .option('--outputs', 'a task that asks several questions per item (outputs:) instead of one')
    .action(async (file: string, flags: { outputs?: boolean }) => {
      try {
        // `task init scratch/task.yaml` works in a fresh checkout: the folder is made if missing.
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, flags.outputs ? outputsTaskTemplate : taskTemplate, { flag: 'wx' });
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
        process.stderr.write(
          `error: ${file} exists; name another file, e.g. \`batchprompt task init my-task.yaml\`\n`,
        );
        setExitCode(exitCodes.usage);
        return;
      }
      process.stdout.write(
        `wrote ${file}: edit it, check it with \`batchprompt task check ${file}\`, then run with \`--task ${file}\`\n`,
      );
      setExitCode(exitCodes.ok);
    });
};
