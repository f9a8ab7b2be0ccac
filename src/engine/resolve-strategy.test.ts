import { afterEach, describe, expect, it, vi } from 'vitest';
import { createScriptedModel } from '../test/scripted-model.js';
import { resolveStrategy, settleFormat, strategyOfRun } from './resolve-strategy.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('resolveStrategy', () => {
  it('names the option, what is valid and what was given', () => {
    expect(() => resolveStrategy({ batchSize: 0 })).toThrow(
      'Expected `batchSize` to be an integer >= 1, got `0`',
    );
    expect(() => resolveStrategy({ batchSize: 2.5 })).toThrow(
      'Expected `batchSize` to be an integer >= 1, got `2.5`',
    );
    expect(() => resolveStrategy({ voting: 'loud' as never })).toThrow(
      'Expected `voting` to be one of weighted, majority, got `loud`',
    );
    expect(() => resolveStrategy({ adaptive: { risk: 0.5 } })).toThrow(
      'Expected `adaptive.risk` to be a number above 0 and below 0.5, got `0.5`',
    );
    expect(() => resolveStrategy({ adaptive: { unsureChangeLimit: -1 } })).toThrow(
      'Expected `adaptive.unsureChangeLimit` to be a number from 0 to 1, got `-1`',
    );
    expect(() => resolveStrategy({ adaptive: 5 as never })).toThrow(
      'Expected `adaptive` to be an object, got `5`',
    );
    expect(() =>
      resolveStrategy({
        adaptive: { stableChangeRate: { sure: 0.2 }, orderDependentChangeRate: { sure: 0.1 } },
      }),
    ).toThrow(
      'Expected `adaptive.stableChangeRate.sure` (0.2) to be below `adaptive.orderDependentChangeRate.sure` (0.1)',
    );
  });

  it('leaves the caller options alone and fills in what follows from the strategy', () => {
    const options = { strategy: 'single' as const, batchSize: 8, rounds: 3 };
    const resolved = resolveStrategy(options);
    expect(options).toEqual({ strategy: 'single', batchSize: 8, rounds: 3 });
    expect(resolved).toMatchObject({ batchSize: 1, rounds: 1, earlyStop: 'none' });
    expect(resolveStrategy({ strategy: 'batch', rounds: 3 }).rounds).toBe(1);
    expect(resolveStrategy({ strategy: 'bpe+seas' }).earlyStop).toBe('seas');
    expect(resolveStrategy({}).earlyStop).toBe('adaptive');
    expect(resolveStrategy({ strategy: 'bpe+seas', earlyStop: 'none' }).earlyStop).toBe('none');
  });

  it('keeps `auto` until the model is known, then settles it once', () => {
    const resolved = resolveStrategy({});
    expect(resolved.format).toBe('auto');
    // `auto`: lines for a model billed per output token, JSON for a local one (reply-format-rule.ts).
    expect(settleFormat(resolved, { id: 'openai:gpt-4.1-mini', supportsJsonSchema: true }).format).toBe(
      'lines',
    );
    expect(settleFormat(resolved, { id: 'local:model.gguf', supportsJsonSchema: true }).format).toBe('json');
    expect(settleFormat(resolved, { supportsJsonSchema: false }).format).toBe('lines');
    expect(resolveStrategy({ format: 'json' }, { supportsJsonSchema: true }).format).toBe('json');
    expect(resolveStrategy({}, { id: 'sim:frontier', supportsJsonSchema: true }).format).toBe('lines');
  });

  it('takes the deprecated changeLimit names for the options that replaced them, with one warning each', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const resolved = resolveStrategy({ adaptive: { changeLimit: { sure: 0.1, unsure: 0.3 } } });
    expect(resolved.adaptive).toMatchObject({ probeDisagreementLimit: 0.1, unsureChangeLimit: 0.3 });
    expect(resolved.adaptive).not.toHaveProperty('changeLimit');
    resolveStrategy({ adaptive: { changeLimit: { sure: 0.1 } } });
    expect(warn.mock.calls.map((call) => call[0])).toEqual([
      '`adaptive.changeLimit.sure` is deprecated and goes in the next release: use `adaptive.probeDisagreementLimit`',
      '`adaptive.changeLimit.unsure` is deprecated and goes in the next release: use `adaptive.unsureChangeLimit`',
    ]);
    expect(
      resolveStrategy({ adaptive: { changeLimit: { sure: 0.1 }, probeDisagreementLimit: 0.1 } }).adaptive
        .probeDisagreementLimit,
    ).toBe(0.1);
    expect(() =>
      resolveStrategy({ adaptive: { changeLimit: { sure: 0.1 }, probeDisagreementLimit: 0.2 } }),
    ).toThrow(
      'Expected one value for `adaptive.probeDisagreementLimit`, got `0.2` and `0.1` under its deprecated name `adaptive.changeLimit.sure`',
    );
    expect(() => resolveStrategy({ adaptive: { changeLimit: { unsure: 1.5 } } })).toThrow(
      'Expected `adaptive.changeLimit.unsure` to be a number from 0 to 1, got `1.5`',
    );
  });
});

describe('strategyOfRun', () => {
  const model = createScriptedModel({ reply: () => '' });

  it('takes a strategy resolved before the run as it is, settling its format for the model', () => {
    const resolved = resolveStrategy({ batchSize: 7 });
    const strategy = strategyOfRun({ task: {} as never, items: [], model, resolvedStrategy: resolved });
    expect(strategy).toEqual({ ...resolved, format: model.supportsJsonSchema ? 'json' : 'lines' });
  });

  it('refuses a resolved strategy given with strategy options', () => {
    expect(() =>
      strategyOfRun({
        task: {} as never,
        items: [],
        model,
        batchSize: 3,
        resolvedStrategy: resolveStrategy({}),
      }),
    ).toThrow('Expected either `resolvedStrategy` or strategy options, got both (`batchSize`)');
  });
});
