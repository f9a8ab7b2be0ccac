import { describe, expect, it } from 'vitest';
import { RunStop } from '../session/run-stop.js';
import { ApiCallError, InputError, StoreError } from '../spec/errors.js';
import { exitCodes } from './exit-codes.js';
import {
  exitCodeOf,
  outcomeReason,
  type StopContext,
  type StopKind,
  type StopReason,
  stopMessage,
  stopReasonOf,
  stopReasons,
} from './stop-reasons.js';

const context: StopContext = {
  storeDir: '.store',
  answered: 3,
  items: 10,
  kept: ' (partial results in out.jsonl.partial)',
  resumeHint: 'run the same command again to resume (partial results in out.jsonl.partial)',
  repliesKept: true,
  noAnswer: 'no item got an answer',
};

const budgetState = {
  budgetUsd: 0.1,
  spentUsd: 0.08,
  calls: 4,
  refused: { wouldReachUsd: 0.12, inFlight: 2 },
};

/** One reason of each kind, with the exit code and a piece of the message it must give. */
const cases: { [K in StopKind]: { reason: Extract<StopReason, { kind: K }>; code: number; says: string } } = {
  completed: { reason: { kind: 'completed' }, code: exitCodes.ok, says: '' },
  incomplete: {
    reason: {
      kind: 'incomplete',
      counts: { items: 10, answered: 7, unanswered: 2, failed: 1 },
      accepted: false,
    },
    code: exitCodes.incomplete,
    says: 'incomplete: 3 of 10 items have no answer (2 unanswered, 1 failed;',
  },
  unattributed: {
    reason: { kind: 'unattributed', counts: { items: 3, answered: 0, unanswered: 3, failed: 0 } },
    code: exitCodes.incomplete,
    says: 'error: no item got an answer: all 3 unanswered, no reply could be attributed',
  },
  'endpoint-failed': {
    reason: { kind: 'endpoint-failed', counts: { items: 3, answered: 0, unanswered: 1, failed: 2 } },
    code: exitCodes.provider,
    says: 'error: no item got an answer: 2 failed because their calls to the model endpoint failed',
  },
  budget: {
    reason: { kind: 'budget', state: budgetState },
    code: exitCodes.budget,
    says: 'stopped at the budget: the next call could have taken the cost to $0.1200, over --max-cost $0.1; 4 call(s) made for $0.0800 (2 of them in flight when the budget was reached, let finish), 3 of 10 items',
  },
  detached: {
    reason: { kind: 'detached', jobId: 'batch_1' },
    code: exitCodes.detached,
    says: 'detached: batch job(s) submitted or still running (batch_1); run the same command again to wait for them and collect the results; `batchprompt jobs --store-dir .store`',
  },
  cancelled: {
    reason: { kind: 'cancelled', jobId: 'batch_2' },
    code: exitCodes.interrupted,
    says: 'batch job batch_2 was cancelled: its finished requests are kept',
  },
  interrupted: {
    reason: { kind: 'interrupted' },
    code: exitCodes.interrupted,
    says: 'interrupted: run the same command again to resume (partial results in out.jsonl.partial)',
  },
  declined: {
    reason: { kind: 'declined' },
    code: exitCodes.interrupted,
    says: 'not started: nothing was sent',
  },
  fatal: {
    reason: { kind: 'fatal', error: new InputError('bad row', { file: 'a.jsonl', line: 2 }) },
    code: exitCodes.input,
    says: '',
  },
};

describe('exitCodeOf', () => {
  for (const kind of Object.keys(stopReasons) as StopKind[]) {
    it(`gives ${kind} its exit code and message`, () => {
      const { reason, code, says } = cases[kind];
      expect(exitCodeOf(reason)).toBe(code);
      const message = stopMessage(reason, context);
      if (says === '') expect(message).toBe('');
      else expect(message).toContain(says);
    });
  }

  it('says what an interrupted run sent, its requests abandoned under way included', () => {
    const requests =
      'requests sent / answered / failed: 7 / 3 / 4 (4 billed, 4 of them abandoned under way when the run stopped (prompts counted, no output received): 812 / 0 tokens, $0.0016, counted in calls, tokens and cost)';
    const message = stopMessage({ kind: 'interrupted' }, { ...context, requests });
    expect(message).toBe(`\ninterrupted: ${context.resumeHint}\n${requests}\n`);
    expect(stopMessage({ kind: 'interrupted' }, context)).toBe(`\ninterrupted: ${context.resumeHint}\n`);
  });

  it('promises a budget stop continues from the cache only when the replies were kept', () => {
    const budget = { kind: 'budget', state: budgetState } as const;
    expect(stopMessage(budget, context)).toContain('Completed calls are cached');
    const unkept = stopMessage(budget, { ...context, repliesKept: false });
    expect(unkept).not.toContain('cached');
    expect(unkept).toContain(
      'No reply was kept (--no-cache, or no store): the same command with a higher --max-cost starts over',
    );
  });

  it('says of a batch job stopped at the budget before it was submitted that nothing of it was sent, and what to change', () => {
    const state = { ...budgetState, refused: { wouldReachUsd: 0.12, inFlight: 3, unsubmitted: 2 } };
    const message = stopMessage({ kind: 'budget', state }, { ...context, spent: state });
    expect(message).toContain(
      '4 call(s) made for $0.0800 (1 of them in a batch job submitted before the budget was reached: the same command collects it), 3 of 10 items',
    );
    expect(message).toContain(
      'The 2 call(s) gathered with it for a batch job were not submitted: nothing of them was sent or paid.',
    );
    expect(message).toContain(
      'the same command with the same --max-cost cannot get past it (completed calls are cached): raise --max-cost, or drop --batch-api',
    );
    expect(message).not.toContain('let finish');
    // Every call it had gathered went with its job: they are at the provider.
    const sent = { ...budgetState, refused: { wouldReachUsd: 0.12, inFlight: 2, unsubmitted: 0 } };
    const collected = stopMessage({ kind: 'budget', state: sent }, context);
    expect(collected).toContain('(2 of them in a batch job submitted before the budget was reached');
    expect(collected).toContain('Completed calls are cached: the same command with a higher --max-cost');
  });

  it('gives a fatal error the code its kind of error has', () => {
    expect(exitCodeOf({ kind: 'fatal', error: new StoreError('disk full', { path: 'x' }) })).toBe(
      exitCodes.storage,
    );
    expect(exitCodeOf({ kind: 'fatal', error: new ApiCallError('no key', { status: 401 }) })).toBe(
      exitCodes.provider,
    );
    expect(exitCodeOf({ kind: 'fatal', error: new Error('bug') })).toBe(exitCodes.internal);
  });
});

describe('outcomeReason', () => {
  it('is completed when every item got an answer, or there was nothing to answer', () => {
    expect(outcomeReason({ items: 3, answered: 3, unanswered: 0, failed: 0 })).toEqual({ kind: 'completed' });
    expect(outcomeReason({ items: 0, answered: 0, unanswered: 0, failed: 0 })).toEqual({ kind: 'completed' });
  });

  it('is incomplete, exit 1, when any item ended without an answer, whether unanswered or failed', () => {
    const some = outcomeReason({ items: 3, answered: 1, unanswered: 1, failed: 1 });
    expect(some).toMatchObject({ kind: 'incomplete', accepted: false });
    expect(exitCodeOf(some)).toBe(exitCodes.incomplete);
    expect(exitCodeOf(outcomeReason({ items: 277, answered: 276, unanswered: 0, failed: 1 }))).toBe(1);
  });

  it('accepts up to --allow-failed items without an answer, as a count or a share, and says so', () => {
    const counts = { items: 200, answered: 195, unanswered: 3, failed: 2 };
    expect(exitCodeOf(outcomeReason(counts, '5'))).toBe(exitCodes.ok);
    expect(exitCodeOf(outcomeReason(counts, '4'))).toBe(exitCodes.incomplete);
    expect(exitCodeOf(outcomeReason(counts, '2.5%'))).toBe(exitCodes.ok);
    expect(exitCodeOf(outcomeReason(counts, '2%'))).toBe(exitCodes.incomplete);
    expect(stopMessage(outcomeReason(counts, '2.5%'), context)).toBe(
      "note: 5 of 200 items have no answer (3 unanswered, 2 failed; the reason is in each result's error), within --allow-failed 2.5%\n",
    );
    expect(stopMessage(outcomeReason(counts, '4'), context)).toContain('--allow-failed 5 accepts them');
  });

  it('never completes when nothing was answered, whatever --allow-failed says', () => {
    expect(outcomeReason({ items: 3, answered: 0, unanswered: 1, failed: 2 }, '100%').kind).toBe(
      'endpoint-failed',
    );
    expect(outcomeReason({ items: 3, answered: 0, unanswered: 3, failed: 0 }, '3').kind).toBe('unattributed');
    // One failed call among unattributed replies is enough to name the endpoint (exit 4, not 1).
    expect(outcomeReason({ items: 3, answered: 0, unanswered: 2, failed: 1 }).kind).toBe('endpoint-failed');
  });
});

describe('stopReasonOf', () => {
  const aborted = (reason?: unknown) => {
    const controller = new AbortController();
    controller.abort(reason);
    return controller.signal;
  };

  it('reads the reason a run was stopped with off its signal, and any other abort as an interruption', () => {
    const budget = { kind: 'budget', state: budgetState } as const;
    expect(stopReasonOf(aborted(new RunStop(budget)), new Error('aborted'))).toEqual(budget);
    expect(stopReasonOf(aborted(new RunStop({ kind: 'detached', jobId: 'j' })), new Error('x'))).toEqual({
      kind: 'detached',
      jobId: 'j',
    });
    expect(stopReasonOf(aborted(new Error('SIGINT')), new Error('x'))).toEqual({ kind: 'interrupted' });
  });

  it('lets a store failure count over an interruption, but not over the budget', () => {
    const failure = new StoreError('disk full', { path: 'x' });
    expect(stopReasonOf(aborted(), failure)).toEqual({ kind: 'fatal', error: failure });
    expect(stopReasonOf(aborted(new RunStop({ kind: 'budget', state: budgetState })), failure).kind).toBe(
      'budget',
    );
    expect(stopReasonOf(new AbortController().signal, failure)).toEqual({ kind: 'fatal', error: failure });
  });
});
