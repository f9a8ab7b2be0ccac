import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../test/harness/run-cli.js';
import { useTempDir } from '../../test/temp-dir.js';
import { exitCodes } from '../exit-codes.js';

describe('batchprompt prices', () => {
  const pathOf = useTempDir();

  it("prints a model's rates per tier unrounded, its cache minimum and its source", async () => {
    const result = await runCli(['prices', 'anthropic:claude-sonnet-4-5']);
    expect(result.code).toBe(exitCodes.ok);
    const lines = result.stdout.split('\n');
    expect(lines.find((line) => line.includes(' standard '))?.split(/\s+/)).toEqual([
      'anthropic:claude-sonnet-4-5',
      'standard',
      '$3.00',
      '$0.30',
      '$3.75',
      '$15.00',
    ]);
    // Batch jobs: half of everything, and the 1-hour cache write ($6) they use, halved.
    expect(
      lines
        .find((line) => line.includes(' batch '))
        ?.split(/\s+/)
        .slice(2),
    ).toEqual(['$1.50', '$0.15', '$3.00', '$7.50']);
    expect(result.stdout).toContain('no price for the flex tier');
    expect(result.stdout).toMatch(/shortest cached prefix: 1,024 tokens \(.*platform\.claude\.com/);
    expect(result.stdout).toMatch(/source: platform\.claude\.com\/docs\/en\/about-claude\/pricing/);

    const gpt5 = await runCli(['prices', 'openai:gpt-5-mini', '--json']);
    const charges = JSON.parse(gpt5.stdout);
    expect(charges.tiers.map((tier: { tier: string }) => tier.tier)).toEqual(['standard', 'batch', 'flex']);
    expect(charges.tiers[1]).toMatchObject({ input: 0.125, cachedInput: 0.0125, output: 1 });
    const text = await runCli(['prices', 'openai:gpt-5-mini']);
    expect(text.stdout).toContain('$0.125');
  });

  it('prints no dollar figure for a model it has no price for, and says how to give one', async () => {
    for (const model of ['sim:frontier', 'openai:gpt-9', 'ollama:llama3.1']) {
      const result = await runCli(['prices', model]);
      expect(result.code).toBe(exitCodes.input);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`no price known for ${model}`);
      expect(result.stderr).toContain('--prices file.json');
    }
  });

  it('names the priced model a name given without its provider stands for', async () => {
    const result = await runCli(['prices', 'gpt-4o-mini']);
    expect(result.code).toBe(exitCodes.input);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'no price known for gpt-4o-mini: a model is named with its provider, as `run --model` takes it: openai:gpt-4o-mini\n',
    );
    // A name no priced model has keeps the price file's remedy.
    expect((await runCli(['prices', 'gpt-9'])).stderr).toContain('--prices file.json');
  });

  it('lists every priced model, with a price file laid over the built-in table', async () => {
    const file = pathOf('prices.json');
    writeFileSync(file, JSON.stringify({ 'openai:my-model': { input: 1, output: 2 } }));
    const result = await runCli(['prices', '--prices', file, '--json']);
    expect(result.code).toBe(exitCodes.ok);
    const all = JSON.parse(result.stdout) as { model: string; source: string }[];
    expect(all.find((entry) => entry.model === 'openai:my-model')?.source).toBe(file);
    expect(all.some((entry) => entry.model === 'anthropic:claude-sonnet-4-5')).toBe(true);
    expect(all.some((entry) => entry.model === 'sim:frontier')).toBe(false);
    const mine = await runCli(['prices', 'openai:my-model', '--prices', file]);
    expect(mine.stdout).toContain('openai:my-model  batch     $0.50');
  });
});
