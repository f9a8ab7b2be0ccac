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
