import { describe, expect, it } from 'vitest';
import { nextTierStep, type ServiceTierPolicy } from './next-tier-step.js';

const policy = (mode: 'flex' | 'auto'): ServiceTierPolicy => ({
  mode,
  refusalsBeforeChoice: 3,
  backoffMs: 100,
  maxBackoffMs: 150,
  waitMs: 5000,
});

describe('nextTierStep', () => {
  it('asks flex first, then backs off twice as long after each refusal, up to the cap', () => {
    expect(nextTierStep(policy('auto'), 0)).toEqual({ tier: 'flex', afterMs: 0, reason: 'first' });
    expect(nextTierStep(policy('auto'), 1)).toEqual({ tier: 'flex', afterMs: 100, reason: 'backoff' });
    expect(nextTierStep(policy('auto'), 2)).toEqual({ tier: 'flex', afterMs: 150, reason: 'backoff' });
  });

  it('waits what the server asks when it asks for more than the backoff', () => {
    expect(nextTierStep(policy('flex'), 1, 700)).toEqual({ tier: 'flex', afterMs: 700, reason: 'backoff' });
    expect(nextTierStep(policy('flex'), 3, 9000)).toEqual({ tier: 'flex', afterMs: 9000, reason: 'wait' });
  });

  it('under auto, runs the call in standard once the refusals reach the bound', () => {
    expect(nextTierStep(policy('auto'), 3)).toEqual({ tier: 'standard', afterMs: 0, reason: 'fallback' });
  });

  it('under flex, waits at the bound and starts a new round of backoff, never giving the call up', () => {
    expect(nextTierStep(policy('flex'), 3)).toEqual({ tier: 'flex', afterMs: 5000, reason: 'wait' });
    expect(nextTierStep(policy('flex'), 4)).toEqual({ tier: 'flex', afterMs: 100, reason: 'backoff' });
    expect(nextTierStep(policy('flex'), 6)).toEqual({ tier: 'flex', afterMs: 5000, reason: 'wait' });
    for (let refusals = 0; refusals < 50; refusals++)
      expect(nextTierStep(policy('flex'), refusals).tier).toBe('flex');
  });
});
