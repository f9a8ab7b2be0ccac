import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/harness/run-cli.js';
import { reportInputCommands } from '../../report/report-input.js';
import { exitCodes } from '../exit-codes.js';
import { type CommandName, commandSummaries } from './command-summaries.js';
import type { ComparisonJson } from './eval.js';
import { commandModules } from './index.js';
import { defaultReportFile } from './report.js';

const demoFile = fileURLToPath(new URL('../../../examples/demo/yes-no.jsonl', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'batchprompt-report-cli-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const comparisonFields = [
  'name',
  'batchSize',
  'rounds',
  'voting',
  'accuracy',
  'calls',
  'inputTokens',
  'outputTokens',
  'answered',
  'failed',
  'roundsPerItem',
  'unsettled',
  'finalBatchSize',
];

describe('eval --json details', () => {
  it('adds details to every strategy of --compare, next to the fields it always had', async () => {
    const run = await runCli([
      'eval',
      '--task',
      'boolq',
      '--data',
      demoFile,
      '--compare',
      '--json',
      '--rounds',
      '3',
    ]);
    expect(run.code).toBe(exitCodes.ok);
    const report = JSON.parse(run.stdout) as ComparisonJson;
    expect(Object.keys(report)).toEqual(['model', 'simulated', 'task', 'items', 'strategies']);
    for (const row of report.strategies) {
      // The adaptive rule's row also says what its pilot measured and decided; every row, the
      // requests its pass sent.
      expect(Object.keys(row)).toEqual([
        ...comparisonFields,
        ...(row.name === 'adaptive' ? ['adaptive'] : []),
        'requests',
        'details',
      ]);
      expect(row.details.byRound).toHaveLength(row.rounds);
      expect(row.details.byRound.at(-1)?.accuracy).toBeCloseTo(row.accuracy ?? -1, 10);
      expect(row.details.sampleBatch?.messages.map((message) => message.role)).toEqual([
        'system',
        'user',
        'assistant',
        'user',
      ]);
    }
  });

  it('keeps --out of --compare as it was: one line per strategy, without details', async () => {
    const out = join(directory, 'compare.jsonl');
    await runCli(['eval', '--task', 'boolq', '--data', demoFile, '--compare', '--json', '--out', out]);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(JSON.parse(line)).not.toHaveProperty('details');
  });
});

describe('batchprompt report', () => {
  it('writes the report of an eval run next to its JSON, and one of a comparison where -o says', async () => {
    const single = await runCli(['eval', '--task', 'boolq', '--data', demoFile, '--sample', '24', '--json']);
    const singleJson = JSON.parse(single.stdout) as ComparisonJson;
    // One strategy, in the same shape as a comparison.
    expect(singleJson.strategies.map((row) => row.name)).toEqual(['adaptive']);
    const details = singleJson.strategies[0]!.details;
    // The adaptive rule may stop every item before the fifth round: one entry per round that ran.
    expect(details.byRound.length).toBeGreaterThan(1);
    expect(details.byRound.length).toBeLessThanOrEqual(5);
    const singleFile = join(directory, 'single.json');
    writeFileSync(singleFile, single.stdout);
    const written = await runCli(['report', singleFile]);
    expect(written.code).toBe(exitCodes.ok);
    expect(written.stdout).toContain(`report written to ${join(directory, 'single.html')}`);
    expect(written.stdout).toContain('simulated model sim:gpt-4');
    const html = readFileSync(join(directory, 'single.html'), 'utf8');
    expect(html).toContain('<strong>SIMULATED MODEL</strong>');
    expect(html.match(/data-chart="/g)).toHaveLength(4);

    const comparison = await runCli(['demo', '--json']);
    const comparisonFile = join(directory, 'demo.json');
    writeFileSync(comparisonFile, comparison.stdout);
    const target = join(directory, 'chosen-name.html');
    expect((await runCli(['report', comparisonFile, '-o', target])).code).toBe(exitCodes.ok);
    expect(readFileSync(target, 'utf8')).toContain('<td>bpe+seas</td>');
    expect(existsSync(join(directory, 'demo.html'))).toBe(false);
  });

  it('reports a run with its details: rounds, positions and confidence gathered while it streamed', async () => {
    const run = await runCli([
      'run',
      '--task',
      'boolq',
      '--data',
      demoFile,
      '--model',
      'sim',
      '--label-field',
      'label',
      '--store-dir',
      join(directory, 'run-store'),
      '--out',
      join(directory, 'run.jsonl'),
      '--json',
      '--quiet',
    ]);
    expect(run.code).toBe(exitCodes.ok);
    const summary = JSON.parse(run.stdout);
    expect(summary.task).toBe('boolq');
    expect(summary.details.scored).toBe(64);
    // The last round's re-counted vote is the run's own accuracy.
    expect(summary.details.byRound.at(-1).accuracy).toBeCloseTo(summary.accuracy, 10);
    expect(summary.details.sampleBatch.messages.length).toBeGreaterThan(1);
    const summaryFile = join(directory, 'run.json');
    writeFileSync(summaryFile, run.stdout);
    expect((await runCli(['report', summaryFile])).code).toBe(exitCodes.ok);
    const html = readFileSync(join(directory, 'run.html'), 'utf8');
    expect(html.match(/data-chart="/g)).toHaveLength(4);
    expect(html).not.toContain('has no <code>details</code>');
  });

  it('fails with exit code 3, naming the file and what is wrong', async () => {
    const notJson = join(directory, 'not-json.json');
    writeFileSync(notJson, '{"model": "sim"');
    const broken = await runCli(['report', notJson]);
    expect(broken.code).toBe(exitCodes.input);
    expect(broken.stderr).toContain(`error: ${notJson}: is not valid JSON`);

    const wrongShape = join(directory, 'wrong-shape.json');
    writeFileSync(
      wrongShape,
      JSON.stringify({
        model: 'sim',
        simulated: true,
        task: 'boolq',
        items: 3,
        strategies: [{ name: 'batch' }],
      }),
    );
    const wrong = await runCli(['report', wrongShape]);
    expect(wrong.code).toBe(exitCodes.input);
    expect(wrong.stderr).toContain(wrongShape);
    expect(wrong.stderr).toContain('`strategies[0].batchSize`');

    const missing = await runCli(['report', join(directory, 'nowhere.json')]);
    expect(missing.code).toBe(exitCodes.input);
    expect(missing.stderr).toContain('nowhere.json: cannot read the report input');
  });

  it('writes the report of demo --outputs --json: one pass beside a run per question', async () => {
    const demo = await runCli(['demo', '--outputs', '--json']);
    expect(demo.code).toBe(exitCodes.ok);
    const demoFile = join(directory, 'demo-outputs.json');
    writeFileSync(demoFile, demo.stdout);
    expect((await runCli(['report', demoFile])).code).toBe(exitCodes.ok);
    expect(readFileSync(join(directory, 'demo-outputs.html'), 'utf8')).toContain('<td>one pass</td>');
  });

  // A command that prints --json either makes a report's input, and report --help names it, or is
  // here with the reason it does not.
  const notReportInputs: Record<string, string> = {
    plan: 'a forecast made before any call; report refuses it with its own message',
    prices: 'the price table',
    jobs: 'the batch jobs of a store',
    'jobs cancel': 'one cancelled batch job',
    worker: 'its log, one event a line',
  };

  it('--help names every command whose --json output it reads, and no other', async () => {
    const withJson: string[] = [];
    const commands = new Map<string, Command>();
    const collect = (command: Command, path: string) => {
      commands.set(path, command);
      if (command.options.some((option) => option.long === '--json')) withJson.push(path);
      for (const sub of command.commands) collect(sub, `${path} ${sub.name()}`);
    };
    for (const name of Object.keys(commandModules) as CommandName[]) {
      const program = new Command();
      (await commandModules[name]()).register(program, () => {});
      for (const command of program.commands) collect(command, command.name());
    }
    expect(withJson.sort()).toEqual([...reportInputCommands, ...Object.keys(notReportInputs)].sort());

    // The summary (also in `batchprompt --help`) and the file argument's description each name them.
    const report = commands.get('report')!;
    const texts = [commandSummaries.report, report.registeredArguments[0]!.description];
    const help = await runCli(['report', '--help']);
    expect(help.code).toBe(exitCodes.ok);
    for (const text of [...texts, help.stdout.replace(/\s+/g, ' ')]) {
      for (const name of reportInputCommands) expect(text).toContain(`${name} --json`);
      for (const name of Object.keys(notReportInputs)) expect(text).not.toContain(`${name} --json`);
    }
  });

  it('names the default report after its input', () => {
    expect(defaultReportFile('out/compare.json')).toBe('out/compare.html');
    expect(defaultReportFile('summary.JSON')).toBe('summary.html');
    expect(defaultReportFile('summary')).toBe('summary.html');
  });
});
