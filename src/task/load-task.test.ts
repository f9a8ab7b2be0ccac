import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../spec/errors.js';
import { loadTask } from './load-task.js';

function taskFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'batchprompt-task-')), 'task.yaml');
  writeFileSync(file, text);
  return file;
}

describe('loadTask with reasoning', () => {
  it('has gsm8k reason by itself, with a worked solution in each of its two examples', () => {
    const task = loadTask('gsm8k');
    expect(task.reasoning).toBe(true);
    expect(task.answer).toEqual({ type: 'number', integer: true });
    expect(task.examples).toHaveLength(2);
    for (const example of task.examples) expect(example.reasoning).toMatch(/\d+ [-+*/] \d+ = \d+/);
  });

  it('turns reasoning on for a task file whose examples can show it', () => {
    const file = taskFile(
      'name: sums\ninstruction: Add the numbers.\nfields: [numbers]\nanswer: { type: number }\nexamples:\n  - fields: { numbers: "2 3" }\n    reasoning: "2 + 3 = 5."\n    answer: 5\n',
    );
    expect(loadTask(file).reasoning).toBe(false);
    expect(loadTask(file, { reasoning: true }).reasoning).toBe(true);
  });

  it('refuses reasoning for a task whose examples have no worked solution, naming the example', () => {
    const file = taskFile(
      'name: sums\ninstruction: Add the numbers.\nfields: [numbers]\nanswer: { type: number }\nexamples:\n  - fields: { numbers: "2 3" }\n    answer: 5\n',
    );
    const failure = (() => {
      try {
        loadTask(file, { reasoning: true });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(failure).toBeInstanceOf(InputError);
    expect((failure as InputError).field).toBe('examples.0.reasoning');
    expect((failure as InputError).message).toContain(file);
    expect(() => loadTask('boolq', { reasoning: true })).toThrow(/example 0 lacks `reasoning`/);
  });
});

function failureOf(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    if (InputError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('loadTask errors in a task file', () => {
  const header = 'name: tickets\ninstruction: Say which team handles the ticket.\nfields: [subject]\n';

  it('rejects an unknown key at its line and column, with the key it probably meant', () => {
    const file = taskFile(
      `${header}answer:\n  type: labels\n  labels: [billing, account]\nexample:\n  - fields: { subject: refund }\n    answer: billing\n`,
    );
    const error = failureOf(() => loadTask(file));
    expect(error.line).toBe(7);
    expect(error.column).toBe(1);
    expect(error.field).toBe('example');
    expect(error.message).toBe(
      `${file}, line 7, column 1, field \`example\`: invalid task: unknown key \`example\` (did you mean \`examples\`?); the keys here are \`name\`, \`instruction\`, \`fields\`, \`answer\`, \`outputs\`, \`examples\`, \`goldField\`, \`reasoning\``,
    );
  });

  it('rejects unknown keys inside labels and the answer, naming the keys that exist there', () => {
    const inLabel = taskFile(
      `${header}answer:\n  type: labels\n  labels:\n    - billing\n    - value: account\n      alias: [login]\n`,
    );
    const error = failureOf(() => loadTask(inLabel));
    expect([error.line, error.column]).toEqual([9, 7]);
    expect(error.message).toContain('unknown key `alias` (did you mean `aliases`?)');
    const inAnswer = taskFile(`${header}answer:\n  type: text\n  maxwords: 3\n`);
    expect(failureOf(() => loadTask(inAnswer)).message).toContain(
      'line 6, column 3, field `answer.maxwords`: invalid task: unknown key `maxwords` (did you mean `maxWords`?); the keys here are `type`, `maxWords`',
    );
  });

  it('places a bad value of a JSON task file, and a missing key at the object that lacks it', () => {
    const directory = mkdtempSync(join(tmpdir(), 'batchprompt-task-'));
    const json = join(directory, 'task.json');
    writeFileSync(
      json,
      '{\n  "name": "t",\n  "instruction": "x",\n  "fields": ["q"],\n  "answer": { "type": "labels", "labels": ["a", "b"] },\n  "examples": [\n    { "fields": { "q": "x" }, "answer": { "bad": 1 } }\n  ]\n}\n',
    );
    const error = failureOf(() => loadTask(json));
    expect([error.line, error.column, error.field]).toEqual([7, 31, 'examples.0.answer']);
    expect(error.message).toContain('expected a string or a number');
    const missing = failureOf(() => loadTask(taskFile('name: t\nfields: [q]\nanswer: { type: number }\n')));
    expect(missing.field).toBe('instruction');
    expect(missing.message).toContain('`instruction` is required here');
    const badType = failureOf(() => loadTask(taskFile(`${header}answer:\n  type: lables\n`)));
    expect([badType.line, badType.column]).toEqual([5, 3]);
    expect(badType.message).toContain('`type` is "lables" (did you mean `labels`?)');
  });

  it('gives the line and column of a YAML syntax error', () => {
    const error = failureOf(() => loadTask(taskFile('name: t\ninstruction: [oops\n')));
    expect(error.line).toBe(3);
    expect(error.message).toContain('cannot read the task file');
  });
});
