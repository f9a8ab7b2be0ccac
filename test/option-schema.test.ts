import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { referenceEnd, referenceStart, tableCells } from '../scripts/write-option-reference.js';
import {
  commandFlags,
  defaultText,
  descriptionFor,
  type FlagSpec,
  forCommand,
  helpText,
  strategyFromCli,
} from '../src/cli/command-flags.js';
import { type CommandName, schemaCommands, strategyCommands } from '../src/cli/command-options.js';
import { declareOptionCommand } from '../src/cli/commands/option-command.js';
import { renderOptionReference } from '../src/cli/render-option-reference.js';
import { optionDefault, valueAtPath } from '../src/engine/option-schema.js';
import { resolveStrategy } from '../src/engine/resolve-strategy.js';
import { strategyOptionLeaves } from '../src/engine/strategy-options.js';
import { runCli } from './harness/run-cli.js';

/*
 * One declaration per option: the library's strategy options, every command's flags and help,
 * and the README's option reference all come from the option schemas, and this checks that they
 * still agree. It fails when a strategy option can be set in the library but not from `run` or
 * `eval`, or when the README and `--help` say different things.
 */

/** The strategy flags that are not deprecated aliases. */
const strategyFlags = () =>
  commandFlags().filter((spec) => spec.strategyPath !== undefined && spec.replacedBy === undefined);

const demoData = resolve(import.meta.dirname, '../examples/demo/yes-no.jsonl');

/** The real commands, registered as the command line registers them, with their actions replaced. */
function program(): { program: Command; captured: () => Record<string, unknown> | undefined } {
  const root = new Command().exitOverride();
  let captured: Record<string, unknown> | undefined;
  for (const name of ['run', 'plan', 'eval', 'worker'] as const) declareOptionCommand(root, name);
  for (const command of root.commands) {
    command.exitOverride();
    command.action((values: Record<string, unknown>) => {
      captured = values;
    });
  }
  return { program: root, captured: () => captured };
}

function command(name: CommandName): Command {
  const found = program().program.commands.find((candidate) => candidate.name() === name);
  if (!found) throw new Error(`no command ${name}`);
  return found;
}

/** A valid value other than the default, as typed on the command line. */
function sampleValue(spec: FlagSpec): { text: string; value: unknown } {
  const { kind } = spec;
  const byDefault = optionDefault(spec.schema);
  if (kind.type === 'choice') {
    const choice = kind.choices.find((candidate) => candidate !== byDefault && candidate !== 'single')!;
    return { text: choice, value: choice };
  }
  if (kind.type === 'integer') return { text: String(kind.minimum + 3), value: kind.minimum + 3 };
  if (kind.type !== 'number') throw new Error(`${spec.flag} is no strategy option`);
  // Three quarters of the default where it has one (other options may have to stay on its side of
  // theirs: the adaptive test's stable rate below its order-dependent one, 0.04 and 0.08 for sure
  // answers), else half the range.
  const value = typeof byDefault === 'number' && byDefault > 0 ? byDefault * 0.75 : (kind.maximum ?? 2) / 2;
  return { text: String(value), value };
}

/** Every leaf of a resolved strategy, by dotted path. */
function leafPaths(value: object, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, child]) =>
    typeof child === 'object' && child !== null ? leafPaths(child, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

describe('the strategy options', () => {
  it('declares every option resolveStrategy resolves, and the deprecated names besides', () => {
    const leaves = strategyOptionLeaves();
    expect(leafPaths(resolveStrategy({})).sort()).toEqual(
      leaves
        .filter((leaf) => leaf.meta.replacedBy === undefined)
        .map((leaf) => leaf.path)
        .sort(),
    );
    expect(leaves.filter((leaf) => leaf.meta.replacedBy !== undefined).map((leaf) => leaf.path)).toEqual([
      'adaptive.changeLimit.sure',
      'adaptive.changeLimit.unsure',
    ]);
  });

  it('gives each option its schema default, and help shows that default', () => {
    const resolved = resolveStrategy({ strategy: 'bpe' });
    for (const spec of strategyFlags()) {
      const byDefault = optionDefault(spec.schema);
      if (byDefault === undefined || spec.strategyPath === 'strategy') continue;
      expect({ path: spec.strategyPath, value: valueAtPath(resolved, spec.strategyPath!) }).toEqual({
        path: spec.strategyPath,
        value: byDefault,
      });
      expect(helpText(spec, 'run')).toContain(`(default: ${String(byDefault)})`);
    }
  });

  it('refuses a bad value in the library, naming the option and what is valid', () => {
    expect(() => resolveStrategy({ adaptive: { confidence: 1 } })).toThrow(
      'Expected `adaptive.confidence` to be a number above 0 and below 1, got `1`',
    );
    expect(() => resolveStrategy({ adaptive: { changeLimit: { unsure: 1.5 } } })).toThrow(
      'Expected `adaptive.changeLimit.unsure` to be a number from 0 to 1, got `1.5`',
    );
    expect(() => resolveStrategy({ batchSize: 0 })).toThrow('Expected `batchSize` to be an integer >= 1');
  });

  for (const name of strategyCommands) {
    it(`sets every strategy option from \`${name}\` exactly as the library takes it`, async () => {
      for (const spec of strategyFlags()) {
        const { program: root, captured } = program();
        const sample = sampleValue(spec);
        await root.parseAsync([
          'node',
          'batchprompt',
          name,
          '--task',
          'boolq',
          '--data',
          'x.jsonl',
          spec.flag,
          sample.text,
        ]);
        const resolved = resolveStrategy(strategyFromCli(captured()!));
        expect({ option: spec.strategyPath, value: valueAtPath(resolved, spec.strategyPath!) }).toEqual({
          option: spec.strategyPath,
          value: sample.value,
        });
      }
    });
  }

  it('refuses a bad value at the flag with the message the library gives', async () => {
    const result = await runCli(['run', '--task', 'boolq', '--data', 'x.jsonl', '--batch-size', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "option '--batch-size <n>' argument '0' is invalid. expected an integer >= 1, got `0`",
    );
    const choice = await runCli(['eval', '--task', 'boolq', '--data', 'x.jsonl', '--permutation', 'sorted']);
    expect(choice.stderr).toContain('expected one of random, balanced, got `sorted`');
    const share = await runCli([
      'eval',
      '--task',
      'boolq',
      '--data',
      'x.jsonl',
      '--adaptive-confidence',
      '1',
    ]);
    expect(share.stderr).toContain('expected a number above 0 and below 1, got `1`');
  });

  it('gives a worker its options through the same schema: defaults, required flags, the same refusals', async () => {
    const { program: root, captured } = program();
    const queue = 'redis://127.0.0.1:6379';
    const worker = ['worker', '--queue', queue, '--model', 'openai:gpt-4o-mini'];
    await root.parseAsync(['node', 'batchprompt', ...worker]);
    expect(captured()).toEqual({ queue, model: 'openai:gpt-4o-mini', concurrency: 4 });
    const flags = ['--concurrency', '2', '--tpm', '9000', '--stall-ms', '2000', '--json'];
    await root.parseAsync(['node', 'batchprompt', ...worker, ...flags]);
    expect(captured()).toMatchObject({ concurrency: 2, tpm: 9000, stallMs: 2000, json: true });
    expect(strategyFlags().some((spec) => spec.commands.includes('worker'))).toBe(false);
    const stall = await runCli([...worker, '--stall-ms', '100']);
    expect(stall.code).toBe(2);
    expect(stall.stderr).toContain(
      "option '--stall-ms <n>' argument '100' is invalid. expected an integer >= 500, got `100`",
    );
    const concurrency = await runCli([...worker, '--concurrency', 'x']);
    expect(concurrency.stderr).toContain('expected an integer >= 1, got `x`');
    const noQueue = await runCli(['worker', '--model', 'openai:gpt-4o-mini']);
    expect(noQueue.code).toBe(2);
    expect(noQueue.stderr).toContain("required option '--queue <redis-url>' not specified");
    const notRedis = await runCli([
      'worker',
      '--queue',
      'http://127.0.0.1:6379',
      '--model',
      'openai:gpt-4o-mini',
    ]);
    expect(notRedis.code).toBe(3);
    expect(notRedis.stderr).toContain('field `queue`: `http://127.0.0.1:6379` is not a Redis URL');
  });

  it('turns --no-seas into bpe', async () => {
    const { program: root, captured } = program();
    await root.parseAsync([
      'node',
      'batchprompt',
      'eval',
      '--task',
      'boolq',
      '--data',
      'x.jsonl',
      '--no-seas',
    ]);
    expect(resolveStrategy(strategyFromCli(captured()!))).toMatchObject({
      strategy: 'bpe',
      earlyStop: 'none',
    });
  });

  it('run takes --permutation balanced and answers (it refused the flag before)', async () => {
    const store = mkdtempSync(join(tmpdir(), 'batchprompt-option-table-'));
    const result = await runCli([
      'run',
      '--task',
      'boolq',
      '--data',
      demoData,
      '--model',
      'sim',
      '--permutation',
      'balanced',
      '--no-cache',
      '--store-dir',
      store,
      '--out',
      join(store, 'results.jsonl'),
      '--json',
      '--quiet',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ items: 64, answered: 64 });
  });

  it('a nested adaptive option reaches the engine from eval (the sequential test takes its risk)', async () => {
    const args = [
      'eval',
      '--task',
      'boolq',
      '--data',
      demoData,
      '--strategy',
      'adaptive',
      '--batch-size',
      '8',
      '--json',
    ];
    const bold = JSON.parse((await runCli([...args, '--adaptive-risk', '0.4'])).stdout);
    const careful = JSON.parse((await runCli([...args, '--adaptive-risk', '0.01'])).stdout);
    // The test calls a model stable at or below log(risk / (1 - risk)).
    expect(bold.strategies[0].adaptive.test.stableAt).toBeCloseTo(Math.log(0.4 / 0.6), 10);
    expect(careful.strategies[0].adaptive.test.stableAt).toBeCloseTo(Math.log(0.01 / 0.99), 10);
  });

  it('takes the deprecated --adaptive-change-limit-* flags for one release, with a warning', async () => {
    const args = ['eval', '--task', 'boolq', '--data', demoData, '--model', 'sim:frontier', '--json'];
    const old = await runCli([...args, '--adaptive-change-limit-unsure', '0.3']);
    expect(old.code).toBe(0);
    expect(old.stderr).toBe(
      'warning: --adaptive-change-limit-unsure is deprecated and goes in the next release; use --adaptive-unsure-change-limit\n',
    );
    const renamed = await runCli([...args, '--adaptive-unsure-change-limit', '0.3']);
    expect(renamed.stderr).toBe('');
    const unsureLimit = (stdout: string) =>
      JSON.parse(stdout).strategies[0].adaptive.strata.find(
        (stratum: { stratum: string }) => stratum.stratum === 'unsure',
      ).limit;
    expect(unsureLimit(old.stdout)).toBe(0.3);
    expect(unsureLimit(renamed.stdout)).toBe(0.3);
    const both = await runCli([
      ...args,
      '--adaptive-change-limit-sure',
      '0.1',
      '--adaptive-probe-disagreement-limit',
      '0.2',
    ]);
    expect(both.code).toBe(3);
    expect(both.stderr).toContain(
      '--adaptive-change-limit-sure is the old name of --adaptive-probe-disagreement-limit',
    );
  });
});

describe('--help and the README', () => {
  const readme = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf(referenceStart) + referenceStart.length,
    readme.indexOf(referenceEnd),
  );

  it('the README holds the option reference as the table writes it (npx tsx scripts/write-option-reference.ts)', () => {
    expect(tableCells(section)).toEqual(tableCells(renderOptionReference()));
    const headings = (text: string) => text.split('\n').filter((line) => line.startsWith('**'));
    expect(headings(section)).toEqual(headings(renderOptionReference()));
  });

  /** The README's rows by flag: default, commands and description cells, unescaped. */
  const rows = new Map(
    tableCells(section)
      .filter((row) => row[0] !== 'option')
      .map((row) => {
        const cells = row.map((text) =>
          text.replaceAll('\\|', '|').replaceAll('&lt;', '<').replaceAll('&gt;', '>'),
        );
        const flag = cells[0]!.replaceAll('`', '').split(' ')[0]!;
        return [
          flag,
          { default: cells[1]!, commands: cells[2]!.split(', '), description: cells[3]! },
        ] as const;
      }),
  );

  for (const name of schemaCommands) {
    it(`lists every option of \`${name} --help\` with its description and default, and nothing ${name} does not take`, () => {
      const options = command(name).options.filter((option) => option.long !== '--help');
      const help = command(name).helpInformation();
      for (const option of options) {
        const row = rows.get(option.long!);
        expect({ flag: option.long, inReadme: row !== undefined }).toEqual({
          flag: option.long,
          inReadme: true,
        });
        expect(row!.commands).toContain(name);
        const spec = commandFlags().find((candidate) => candidate.flag === option.long)!;
        expect(option.description).toBe(helpText(spec, name));
        expect(row!.description).toContain(descriptionFor(spec, name));
        const shown = defaultText(spec, name);
        if (shown !== undefined) expect(row!.default).toContain(shown);
        expect(option.defaultValue).toBe(forCommand(spec.value, name));
        // A deprecated name is taken but not offered; the README says what replaced it.
        if (option.hidden) {
          expect(help).not.toContain(option.flags);
          expect(row!.description).toMatch(/^deprecated: use --/);
        } else expect(help).toContain(option.flags);
      }
      const readmeFlags = [...rows].filter(([, row]) => row.commands.includes(name)).map(([flag]) => flag);
      expect(readmeFlags.sort()).toEqual(options.map((option) => option.long!).sort());
    });
  }
});
