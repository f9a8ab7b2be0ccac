import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/harness/run-cli.js';
import { outputsTaskTemplate } from '../../task/outputs-task-template.js';
import { taskTemplate } from '../../task/task-template.js';
import { exitCodes } from '../exit-codes.js';

const repoRoot = resolve(import.meta.dirname, '..', '..', '..');
const directory = mkdtempSync(join(tmpdir(), 'batchprompt-task-command-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('batchprompt task init and task check', () => {
  it('writes a task with several outputs on --outputs, which checks clean', async () => {
    const file = join(directory, 'outputs.yaml');
    const init = await runCli(['task', 'init', '--outputs', file]);
    expect(init.code).toBe(exitCodes.ok);
    expect(readFileSync(file, 'utf8')).toBe(outputsTaskTemplate);
    const check = await runCli(['task', 'check', file]);
    expect(check.code, check.stderr).toBe(exitCodes.ok);
    expect(check.stdout).toContain(
      'answers 3 outputs in one pass: `topic`, one of 3 labels (billing, technical, account); `urgency`, one of 3 labels (low, normal, high); `mentions`, 0 to 3 of 3 labels (refund, deadline, callback); 1 worked example(s); gold answers in the columns named like the outputs',
    );
  });

  it('writes a template that checks clean and plans a run over a CSV with its columns', async () => {
    const file = join(directory, 'task.yaml');
    const init = await runCli(['task', 'init', file]);
    expect(init.code).toBe(exitCodes.ok);
    expect(readFileSync(file, 'utf8')).toBe(taskTemplate);

    const check = await runCli(['task', 'check', file]);
    expect(check.code).toBe(exitCodes.ok);
    expect(check.stdout).toContain(
      'defines task `support-tickets`: the model sees subject, body and answers one of 3 labels (billing, account, other); 2 worked example(s)',
    );

    const data = join(directory, 'tickets.csv');
    writeFileSync(data, 'subject,body\nRefund,I was charged twice\nLogin,The reset link expired\n');
    const plan = await runCli([
      'plan',
      '--task',
      file,
      '--data',
      data,
      '--model',
      'openai:gpt-4o-mini',
      '--json',
    ]);
    expect(plan.code, plan.stderr).toBe(exitCodes.ok);
    expect(JSON.parse(plan.stdout)).toMatchObject({ items: 2 });
  });

  it("writes a file that passes the project's own biome check, into a folder it makes if missing", async () => {
    const file = join(directory, 'new-folder', 'task.yaml');
    expect((await runCli(['task', 'init', file])).code).toBe(exitCodes.ok);
    // The checkout's biome.json, as \`npm test\` applies it; version control is off because the
    // file lies outside the checkout, where biome's ignore-file reading cannot follow it.
    const biome = join(repoRoot, 'node_modules', '.bin', 'biome');
    const checked = await promisify(execFile)(biome, ['check', '--vcs-enabled=false', file], {
      cwd: repoRoot,
    }).then(
      () => ({ code: 0, output: '' }),
      (error: { code: number; stdout: string; stderr: string }) => ({
        code: error.code,
        output: error.stdout + error.stderr,
      }),
    );
    expect(checked.output).toBe('');
    expect(checked.code).toBe(0);
  });

  it('does not overwrite a file that exists', async () => {
    const file = join(directory, 'mine.yaml');
    writeFileSync(file, 'name: mine\n');
    const init = await runCli(['task', 'init', file]);
    expect(init.code).toBe(exitCodes.usage);
    expect(init.stderr).toContain(`${file} exists`);
    expect(readFileSync(file, 'utf8')).toBe('name: mine\n');
  });

  it('reports what is wrong with a task file at its line and column, exit 3', async () => {
    const file = join(directory, 'typo.yaml');
    writeFileSync(
      file,
      'name: t\ninstruction: Say yes or no.\nfields: [question]\nanswer:\n  type: labels\n  lables: [yes, no]\n',
    );
    const check = await runCli(['task', 'check', file]);
    expect(check.code).toBe(exitCodes.input);
    expect(check.stderr).toContain(
      `${file}, line 6, column 3, field \`answer.lables\`: invalid task: unknown key \`lables\` (did you mean \`labels\`?)`,
    );
    expect(check.stdout).toBe('');
  });

  it('lists every problem of a file, each with its file, line, column and field, not only the first', async () => {
    const file = join(directory, 'many.yaml');
    writeFileSync(
      file,
      [
        'name: t',
        'instructions: Say which team.', // line 2: unknown key; `instruction` is then missing
        'fields: [subject, subject]', // line 3: a field listed twice
        'answer:',
        '  type: labels',
        '  labels:',
        '    - billing',
        '    - value: account',
        '      alias: [login]', // line 9: unknown key
        'examples:',
        '  - fields: { body: x }', // line 11: the example lacks `subject`
        '    answer: billing',
        '    sure: true', // line 13: unknown key
        'reasoning: maybe', // line 14: not a boolean
        '',
      ].join('\n'),
    );
    const check = await runCli(['task', 'check', file]);
    expect(check.code).toBe(exitCodes.input);
    const lines = check.stderr.trimEnd().split('\n');
    expect(lines.at(-1)).toBe(`6 problems in ${file}`);
    expect(lines.slice(0, -1)).toEqual([
      `error: ${file}, line 2, column 1, field \`instructions\`: invalid task: unknown key \`instructions\` (did you mean \`instruction\`?); the keys here are \`name\`, \`instruction\`, \`fields\`, \`answer\`, \`outputs\`, \`examples\`, \`goldField\`, \`reasoning\``,
      `error: ${file}, line 3, column 1, field \`fields\`: invalid task: field \`subject\` is listed twice`,
      `error: ${file}, line 9, column 7, field \`answer.labels.1.alias\`: invalid task: unknown key \`alias\` (did you mean \`aliases\`?); the keys here are \`value\`, \`description\`, \`aliases\``,
      expect.stringMatching(
        new RegExp(
          `^error: ${file}, line 11, column \\d+, field \`examples\\.0\\.fields\\.subject\`: invalid task: example 0 lacks field \`subject\`$`,
        ),
      ),
      expect.stringMatching(
        new RegExp(
          `^error: ${file}, line 13, column 5, field \`examples\\.0\\.sure\`: invalid task: unknown key \`sure\``,
        ),
      ),
      expect.stringMatching(
        new RegExp(`^error: ${file}, line 14, column \\d+, field \`reasoning\`: invalid task: `),
      ),
    ]);
    // A run with the same file stops at the first problem to fix and says that there are more.
    const run = await runCli(['plan', '--task', file, '--data', join(directory, 'none.csv')]);
    expect(run.code).toBe(exitCodes.input);
    expect(run.stderr).toContain('unknown key `instructions`');
    expect(run.stderr).toContain(
      `(and 5 more problem(s): \`batchprompt task check ${file}\` lists them all)`,
    );
  });
});
