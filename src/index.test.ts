import { describe, expect, expectTypeOf, it } from 'vitest';
import type { SelectedSource } from './index.js';
import * as api from './index.js';
import * as errors from './spec/errors.js';

/*
 * A library user imports from `batchprompt` only: every error class a call may throw, and the
 * types its results and options are made of, must be there by name, never behind a deep import.
 */

describe('the public entry point', () => {
  it('exports every error class by its own name, so that each can be told apart with isInstance', () => {
    const classes = Object.entries(errors).filter(
      ([, value]) => typeof value === 'function' && 'isInstance' in value && value.prototype instanceof Error,
    );
    expect(classes.map(([name]) => name)).toContain('StoreError');
    const missing = classes.filter(([name, value]) => (api as Record<string, unknown>)[name] !== value);
    expect(missing.map(([name]) => name)).toEqual([]);
    expect(api.RunStop.isInstance(new api.RunStop({ kind: 'interrupted' }))).toBe(true);
  });

  it('names the types of what batchPrompt, sessions and plans return and take', () => {
    type Summary = Awaited<ReturnType<typeof api.batchPrompt>>['summary'];
    expectTypeOf<Summary>().toEqualTypeOf<api.StreamSummary>();
    expectTypeOf<NonNullable<api.ItemResult['outputs']>>().toEqualTypeOf<Record<string, api.OutputResult>>();
    expectTypeOf<api.RunSummary['adaptive']>().toEqualTypeOf<api.AdaptiveSummary | undefined>();
    expectTypeOf<ReturnType<api.RunSession['spent']>>().toEqualTypeOf<api.SpendingCapState | undefined>();
    expectTypeOf<SelectedSource['source']>().toEqualTypeOf<api.DataSourceOptions>();
    expectTypeOf<Parameters<typeof api.openStore>[1]>().toEqualTypeOf<api.StoreOptions | undefined>();
    expectTypeOf<api.ModelStackOptions['queue']>().toEqualTypeOf<api.QueueOptions | undefined>();
    expectTypeOf<api.ModelStackOptions['serviceTier']>().toEqualTypeOf<api.ServiceTierMode | undefined>();
    expectTypeOf<api.RetryError['reason']>().toEqualTypeOf<api.RetryErrorReason>();
    expectTypeOf<Parameters<NonNullable<api.PipelineSinks['invalid']>>[0]>().toEqualTypeOf<api.InvalidRow>();
  });

  it("takes a session's sinks written as one-line arrows, whatever they return", async () => {
    const kept: api.ItemResult[] = [];
    const sinks: api.PipelineSinks = { result: (result) => kept.push(result), invalid: (row) => row.id };
    const task = api.boolqTask;
    const selected = await api.selectSource({ file: 'examples/demo/yes-no.jsonl', task });
    const session = await api.openRunSession({ task, selected, model: 'sim' });
    try {
      await session.run(api.resolveStrategy({ strategy: 'batch', batchSize: 32 }), sinks);
    } finally {
      session.close();
    }
    expect(kept.map((result) => result.status)).toEqual(Array(64).fill('answered'));
  });
});
