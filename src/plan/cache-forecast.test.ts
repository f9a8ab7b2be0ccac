import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderBatch } from '../prompt/render-batch.js';
import { rteTask } from '../task/builtin-tasks.js';
import { loadTask } from '../task/load-task.js';
import { cachedLine, forecastCache } from './cache-forecast.js';
import { defaultPrices, tierPrice } from './price-table.js';

const guidelineTask = loadTask(
  fileURLToPath(new URL('../../examples/tasks/rte-guideline.yaml', import.meta.url)),
);
const item = { id: 'a', fields: { premise: 'A town built a bridge.', hypothesis: 'The town has a bridge.' } };
const messagesOf = (task = guidelineTask) =>
  renderBatch(task, [item], { format: 'lines', tag: 'ab12' }).messages;

describe('forecastCache', () => {
  it("says whether the shared prefix reaches the model's minimum, naming its source", () => {
    const sonnet = defaultPrices['anthropic:claude-sonnet-4-5'];
    const long = forecastCache(messagesOf(), 'marked', sonnet);
    expect(long.prefixTokens).toBeGreaterThan(1500);
    expect(long.systemTokens).toBeGreaterThan(900);
    expect(long.systemTokens).toBeLessThan(long.prefixTokens);
    expect(long).toMatchObject({ reached: true, minimum: { tokens: 1024 } });
    expect(long.minimum?.source).toContain('prompt-caching');
    expect(forecastCache(messagesOf(rteTask), 'marked', sonnet).reached).toBe(false);
    // Haiku 4.5 caches from 4,096 tokens: the guideline is too short for it.
    expect(forecastCache(messagesOf(), 'marked', defaultPrices['anthropic:claude-haiku-4-5']).reached).toBe(
      false,
    );
    expect(forecastCache(messagesOf(), 'automatic', undefined).reached).toBeNull();
  });
});

describe('cachedLine', () => {
  const forecast = {
    rule: 'marked' as const,
    systemTokens: 1100,
    prefixTokens: 1700,
    minimum: { tokens: 1024, source: 's' },
    reached: true,
  };
  const planned = { calls: 10, inputTokens: 20_000, outputTokens: 500 };
  const sonnet = tierPrice(defaultPrices['anthropic:claude-sonnet-4-5'], 'standard');

  it('writes the prefix once and reads it in every other call, at their own rates', () => {
    // Four calls with the examples, six later ones with the system message alone.
    const line = cachedLine(planned, 4, forecast, sonnet);
    expect(line.cacheWriteTokens).toBe(1700);
    expect(line.cachedInputTokens).toBe(3 * 1700 + 6 * 1100);
    const uncached = 20_000 - line.cachedInputTokens - 1700;
    expect(line.costUsd).toBeCloseTo(
      (uncached * 3 + line.cachedInputTokens * 0.3 + 1700 * 3.75 + 500 * 15) / 1e6,
      12,
    );
    expect(line.uncachedCostUsd).toBeCloseTo((20_000 * 3 + 500 * 15) / 1e6, 12);
    expect(line.costUsd!).toBeLessThan(line.uncachedCostUsd!);
  });

  it("reads OpenAI's automatic cache in 128-token steps, and writes nothing billed", () => {
    const line = cachedLine(planned, 10, { ...forecast, rule: 'automatic' }, undefined);
    expect(line).toMatchObject({ cachedInputTokens: 9 * 1664, cacheWriteTokens: 0, costUsd: null });
  });

  it('caches nothing below the minimum, or where no minimum is known', () => {
    const short = { ...forecast, prefixTokens: 900, systemTokens: 600, reached: false };
    expect(cachedLine(planned, 4, short, sonnet)).toMatchObject({
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
    });
    const unknown = { ...forecast, minimum: null, reached: null };
    const line = cachedLine(planned, 4, unknown, sonnet);
    expect(line.costUsd).toBe(line.uncachedCostUsd);
  });
});
