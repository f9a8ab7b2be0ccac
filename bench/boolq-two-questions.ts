import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineTask } from '../src/task/define-task.js';
import type { MultiOutputTask, SingleOutputTask } from '../src/task/task-schema.js';

/*
 * A two-question set built from BoolQ: BoolQ's validation split asks more than one question about
 * 245 of its passages; each such passage becomes one row with its first two questions and their
 * answers, in file order. The rows are built when needed from the data file (never kept in the
 * repository); `--out` writes them where a user wants them, to run `eval` on:
 *
 *   npx tsx bench/boolq-two-questions.ts --out /tmp/boolq-two.jsonl [--task /tmp/boolq-two.yaml]
 */

const repositoryRoot = resolve(import.meta.dirname, '..');
export const boolqFile = resolve(
  process.env.BATCHPROMPT_DATA_DIR ?? resolve(repositoryRoot, '../shared/data'),
  'boolq.dev.jsonl',
);

export interface TwoQuestionRow {
  id: string;
  passage: string;
  question_a: string;
  question_b: string;
  answer_a: 'yes' | 'no';
  answer_b: 'yes' | 'no';
}

interface BoolqRow {
  id: string;
  question: string;
  passage: string;
  label: boolean;
}

/** Every BoolQ passage asked at least two questions, as one row with its first two. */
export function boolqTwoQuestionRows(file = boolqFile): TwoQuestionRow[] {
  const byPassage = new Map<string, BoolqRow[]>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const row = JSON.parse(line) as BoolqRow;
    const asked = byPassage.get(row.passage) ?? [];
    asked.push(row);
    byPassage.set(row.passage, asked);
  }
  return [...byPassage.values()]
    .filter((asked) => asked.length >= 2)
    .map(([first, second]) => ({
      id: `${first!.id}+${second!.id}`,
      passage: first!.passage,
      question_a: first!.question,
      question_b: second!.question,
      answer_a: first!.label ? 'yes' : 'no',
      answer_b: second!.label ? 'yes' : 'no',
    }));
}

const instruction =
  'Read the passage, then answer each question about it with yes or no. Base each answer on the passage; use general knowledge only where the passage leaves a question open.';
const oneQuestionInstruction =
  'Read the passage, then answer the question about it with yes or no. Base the answer on the passage; use general knowledge only where the passage leaves the question open.';
const yesNo = { type: 'labels' as const, labels: ['yes', 'no'] };

/** The task that asks both questions of a row in one pass (`count` 1: the first only). */
export function boolqTwoQuestionsTask(count: 1 | 2 = 2): MultiOutputTask {
  const outputs = [
    { name: 'answer_a', description: 'the answer to question_a', answer: yesNo },
    { name: 'answer_b', description: 'the answer to question_b', answer: yesNo },
  ].slice(0, count);
  return defineTask({
    name: 'boolq-two-questions',
    instruction,
    fields: [
      { name: 'passage', description: 'a paragraph that bears on the questions' },
      { name: 'question_a', description: 'a yes/no question' },
      ...(count === 2 ? [{ name: 'question_b', description: 'another yes/no question' }] : []),
    ],
    outputs,
  }) as MultiOutputTask;
}

/**
 * The task that asks one of the questions, run once per question: the passage and that question
 * only, as a user would ask it without outputs. Its name is not `boolq`, so that the simulator
 * answers it with the same calibration as the outputs of the two-question task.
 */
export const boolqOneQuestionTask: SingleOutputTask = defineTask({
  name: 'boolq-one-question',
  instruction: oneQuestionInstruction,
  fields: [
    { name: 'passage', description: 'a paragraph that bears on the question' },
    { name: 'question', description: 'a yes/no question' },
  ],
  answer: yesNo,
}) as SingleOutputTask;

const taskYaml = `# Two BoolQ questions about one passage, asked in one pass (rows from bench/boolq-two-questions.ts).
name: boolq-two-questions
instruction: >-
  ${instruction}
fields:
  - { name: passage, description: a paragraph that bears on the questions }
  - { name: question_a, description: a yes/no question }
  - { name: question_b, description: another yes/no question }
outputs:
  - { name: answer_a, description: the answer to question_a, answer: { type: labels, labels: ["yes", "no"] } }
  - { name: answer_b, description: the answer to question_b, answer: { type: labels, labels: ["yes", "no"] } }
`;

if (process.argv.includes('--out')) {
  const at = (name: string) => process.argv[process.argv.indexOf(name) + 1];
  const rows = boolqTwoQuestionRows();
  writeFileSync(at('--out')!, `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
  if (process.argv.includes('--task')) writeFileSync(at('--task')!, taskYaml);
  process.stderr.write(`${rows.length} rows written to ${at('--out')}\n`);
}
