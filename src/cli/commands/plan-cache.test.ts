import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../test/harness/run-cli.js';
import { useTempDir } from '../../test/temp-dir.js';
import { exitCodes } from '../exit-codes.js';

const guideline = fileURLToPath(new URL('../../../examples/tasks/rte-guideline.yaml', import.meta.url));

describe('batchprompt plan: the prompt cache', () => {
  const pathOf = useTempDir();
  const dataFile = () => {
    const file = pathOf('pairs.jsonl');
    const rows = Array.from({ length: 60 }, (_, index) =>
      JSON.stringify({
        premise: `Town ${index} built a bridge in spring.`,
        hypothesis: `Town ${index} has a bridge.`,
      }),
    );
    writeFileSync(file, `${rows.join('\n')}\n`);
    return file;
  };

  it('says the long guideline reaches the minimum, and forecasts dollars with and without cache hits', async () => {
    const planGuideline = (...options: string[]) =>
      runCli([
        'plan',
        '--task',
        guideline,
        '--data',
        dataFile(),
        '--model',
        'anthropic:claude-sonnet-4-5',
        ...options,
      ]);
    const result = await planGuideline('--batch-api', '--json');
    expect(result.code).toBe(exitCodes.ok);
    const cache = JSON.parse(result.stdout).promptCache;
    expect(cache).toMatchObject({ rule: 'marked', reached: true, minimum: { tokens: 1024 } });
    expect(cache.minimum.source).toContain('platform.claude.com');
    const single = cache.lines.SinglePrompt;
    // 60 calls: the first writes the prefix, the other 59 read it.
    expect(single.cacheWriteTokens).toBe(cache.prefixTokens);
    expect(single.cachedInputTokens).toBe(59 * cache.prefixTokens);
    expect(single.costUsd).toBeLessThan(single.uncachedCostUsd / 2);
    const text = await planGuideline();
    expect(text.stdout).toMatch(
      /prompt cache \(cache_control marks\): shared prefix \d+ tokens .* reaches anthropic:claude-sonnet-4-5's minimum of 1024 tokens/,
    );
    expect(text.stdout).toMatch(
      /SinglePrompt: \$\d+\.\d+ with cache hits \(\d+ tokens read, \d+ written\), \$\d+\.\d+ without/,
    );
  });

  it('says a short prompt is below the minimum and forecasts no hits; a simulated model has no cache', async () => {
    const short = await runCli([
      'plan',
      '--task',
      'rte',
      '--data',
      dataFile(),
      '--model',
      'openai:gpt-4.1-mini',
      '--json',
    ]);
    const cache = JSON.parse(short.stdout).promptCache;
    expect(cache).toMatchObject({ rule: 'automatic', reached: false });
    expect(cache.lines.SinglePrompt.costUsd).toBe(cache.lines.SinglePrompt.uncachedCostUsd);
    const sim = await runCli(['plan', '--task', 'rte', '--data', dataFile(), '--model', 'sim', '--json']);
    expect(JSON.parse(sim.stdout).promptCache).toBeNull();
  });
});
