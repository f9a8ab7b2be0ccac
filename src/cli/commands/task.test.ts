import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/run-cli.js';
import { taskTemplate } from '../../task/task-template.js';
import { exitCodes } from '../exit-codes.js';

const directory = mkdtempSync(join(tmpdir(), 'batchprompt-task-command-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('batchprompt task init and task check', () => {
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
});
