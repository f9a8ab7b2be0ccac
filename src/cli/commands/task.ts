import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { loadTask } from '../../task/load-task.js';
import type { Task } from '../../task/task-schema.js';
import { taskTemplate } from '../../task/task-template.js';
import { exitCodes } from '../exit-codes.js';
import type { CommandRegistrar } from '../main.js';

/** What a task file defines, in one paragraph: what `task check` prints when the file is good. */
export function describeTask(task: Task): string {
  const answer =
    task.answer.type === 'labels'
      ? `one of ${task.answer.labels.length} labels (${task.answer.labels.map((label) => label.value).join(', ')})`
      : task.answer.type === 'number'
        ? `a ${task.answer.integer ? 'whole ' : ''}number`
        : `text of at most ${task.answer.maxWords} words`;
  return [
    `task \`${task.name}\`: the model sees ${task.fields.map((field) => field.name).join(', ')} and answers ${answer}`,
    `${task.examples.length} worked example(s)${task.reasoning ? ', with a worked solution before each answer' : ''}`,
    task.goldField === undefined
      ? 'no gold column (give one with --label-field)'
      : `gold answers in column \`${task.goldField}\``,
  ].join('; ');
}

export const register: CommandRegistrar = (program, setExitCode) => {
  const task = new Command('task').description('check a task file, or write a commented one to start from');
  task
    .command('check')
    .description(
      'read a task file as a run would, and say what it defines or what is wrong (file, line, column)',
    )
    .argument('<file>', 'the task file, YAML or JSON')
    .action((file: string) => {
      // A bad file throws an InputError: exit 3 with the file, line, column and key.
      process.stdout.write(`ok: ${file} defines ${describeTask(loadTask(file))}\n`);
      setExitCode(exitCodes.ok);
    });
  task
    .command('init')
    .description('write a task file with every key explained, to edit into your own')
    .argument('[file]', 'where to write it', 'task.yaml')
    .action(async (file: string) => {
      try {
        await writeFile(file, taskTemplate, { flag: 'wx' });
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
  program.addCommand(task);
};
