import { InputError } from '../spec/errors.js';
import type { MultiOutputTask, OutputsExample, SingleOutputTask, Task, TaskOutput } from './task-schema.js';

/** True for a task that asks several named questions per item (`outputs:`). */
export function isMultiOutputTask(task: Task): task is MultiOutputTask {
  return task.outputs !== undefined;
}

/**
 * The task as one that asks a single question, for a part of batchprompt that handles no other:
 * an InputError naming that part for a task with `outputs:`.
 */
export function singleOutputOnly(task: Task, part: string): SingleOutputTask {
  if (task.outputs === undefined) return task;
  throw new InputError(
    `${part} does not take a task with several outputs (\`outputs:\`); task \`${task.name}\` has ${task.outputs.length}`,
    { field: 'outputs' },
  );
}

/** The output of a task by name, or undefined. */
export function findOutput(task: MultiOutputTask, name: string): TaskOutput | undefined {
  return task.outputs.find((output) => output.name === name);
}

/** The instruction of a task asked for one output alone: the task's own, and what the output is. */
function outputInstruction(task: MultiOutputTask, output: TaskOutput): string {
  const about = output.description === undefined ? output.name : `${output.name}: ${output.description}`;
  return `${task.instruction}\n\nAnswer one question about each input: ${about}.`;
}

/**
 * The task one output would be on its own, as a user would run it without `outputs:`: a task with
 * `answer:` whose examples give that output's answers, its instruction naming the question. A
 * multi-choice output has no such form, so it stays a task with that one output. Comparisons of
 * one pass against one run per output (`eval --compare`, the benchmark) run these.
 */
export function taskForOutput(task: MultiOutputTask, name: string): Task {
  const output = findOutput(task, name);
  if (output === undefined) {
    throw new InputError(
      `task \`${task.name}\` has no output \`${name}\` (its outputs: ${task.outputs.map((entry) => entry.name).join(', ')})`,
      { field: 'outputs' },
    );
  }
  const common = {
    name: `${task.name}.${output.name}`,
    instruction: outputInstruction(task, output),
    fields: task.fields,
    reasoning: false,
  };
  const space = output.answer;
  if (space.type === 'labels' && space.multiple) {
    return {
      ...common,
      outputs: [output],
      examples: task.examples.map(
        (example): OutputsExample => ({ ...example, answers: { [name]: example.answers[name] ?? [] } }),
      ),
    };
  }
  const answer =
    space.type === 'labels'
      ? { type: 'labels' as const, labels: space.labels }
      : (space as SingleOutputTask['answer']);
  return {
    ...common,
    answer,
    examples: task.examples.map(({ answers, ...example }) => {
      const value = answers[name];
      return { ...example, answer: Array.isArray(value) ? value.join(', ') : (value ?? '') };
    }),
  };
}
