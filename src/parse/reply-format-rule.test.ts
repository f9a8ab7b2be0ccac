import { describe, expect, it } from 'vitest';
import {
  autoReplyFormat,
  describeReplyFormat,
  formatSwitchRule,
  observeReply,
  type ReplyFormatState,
  type ReplyObservation,
  startReplyFormat,
  summarizeReplyFormat,
} from './reply-format-rule.js';

const clean: ReplyObservation = { format: 'lines', issue: undefined, truncated: false };
const noCode: ReplyObservation = { format: 'lines', issue: 'no-code', truncated: false };

function observeAll(state: ReplyFormatState, replies: readonly ReplyObservation[]): ReplyFormatState {
  return replies.reduce(observeReply, state);
}

describe('autoReplyFormat', () => {
  it('picks lines for models billed per output token', () => {
    for (const id of [
      'openai:gpt-4.1-mini',
      'anthropic:claude-sonnet-4-5',
      'google:gemini-2.5-flash',
      'openai-compatible:my-model',
      'sim:frontier',
    ]) {
      expect({ id, format: autoReplyFormat({ id, supportsJsonSchema: true }).format }).toEqual({
        id,
        format: 'lines',
      });
    }
    // A model given without a URI is taken for a billed one.
    expect(autoReplyFormat({ supportsJsonSchema: true }).format).toBe('lines');
  });

  it('picks JSON, held by a grammar, for local models', () => {
    expect(autoReplyFormat({ id: 'local:model.gguf', supportsJsonSchema: true }).format).toBe('json');
    expect(
      autoReplyFormat({ id: 'local:hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/q.gguf', supportsJsonSchema: true }),
    ).toEqual({
      format: 'json',
      reason: expect.stringContaining('grammar'),
    });
    expect(autoReplyFormat({ id: 'ollama:llama3.1:8b', supportsJsonSchema: true }).format).toBe('json');
  });

  it('picks lines for a model that takes no JSON schema, local or not', () => {
    expect(autoReplyFormat({ id: 'local:model.gguf', supportsJsonSchema: false }).format).toBe('lines');
    expect(autoReplyFormat({ id: 'scripted', supportsJsonSchema: false }).format).toBe('lines');
  });
});

describe('observeReply', () => {
  const model = { id: 'openai:gpt-4.1-mini', supportsJsonSchema: true };

  it('switches to JSON once more than 2% of the last 50 line replies were unreadable as lines', () => {
    const start = startReplyFormat('lines', 'auto', model);
    const first = observeAll(start, [...Array(20).fill(clean), noCode, ...Array(20).fill(clean)]);
    expect(first.current).toBe('lines');
    const second = observeReply(first, noCode);
    expect(second.current).toBe('json');
    expect(second.switched).toEqual({
      to: 'json',
      afterReplies: 42,
      unreadable: 2,
      of: 42,
      issue: 'no-code',
    });
    expect(describeReplyFormat(summarizeReplyFormat(second))).toBe(
      'lines (auto); switched to json after 42 line replies (2 of the last 42 unreadable as lines: no-code)',
    );
  });

  it('forgets failures older than the window', () => {
    const start = startReplyFormat('lines', 'auto', model);
    const state = observeAll(start, [noCode, ...Array(formatSwitchRule.window).fill(clean), noCode]);
    expect(state.current).toBe('lines');
    expect(state.recent).toHaveLength(formatSwitchRule.window);
    expect(observeReply(state, noCode).current).toBe('json');
  });

  it('counts only failures a JSON schema rules out, and no reply cut off at the output limit', () => {
    const start = startReplyFormat('lines', 'auto', model);
    const kept = observeAll(start, [
      { format: 'lines', issue: 'numbering-gap', truncated: false },
      { format: 'lines', issue: 'repeated', truncated: false },
      { format: 'lines', issue: 'missing', truncated: false },
      { format: 'lines', issue: 'numbering-from-1', truncated: false },
      { format: 'lines', issue: 'no-answers', truncated: true },
      { format: 'lines', issue: 'unreadable', truncated: false },
    ]);
    expect(kept).toMatchObject({ current: 'lines', lineReplies: 6 });
    for (const issue of ['no-answers', 'unreadable', 'mixed-formats', 'no-code'] as const) {
      const once = observeReply(start, { format: 'lines', issue, truncated: false });
      expect({ issue, current: observeReply(once, noCode).current }).toEqual({ issue, current: 'json' });
    }
  });

  it('never switches a format the caller chose, a JSON run or a model without JSON schemas', () => {
    const failing = Array(5).fill(noCode);
    expect(observeAll(startReplyFormat('lines', 'given', model), failing).current).toBe('lines');
    expect(
      observeAll(startReplyFormat('lines', 'auto', { id: 'scripted', supportsJsonSchema: false }), failing)
        .current,
    ).toBe('lines');
    const json = observeAll(startReplyFormat('json', 'auto', model), [
      { format: 'json', issue: 'no-answers', truncated: false },
      { format: 'json', issue: 'no-answers', truncated: false },
    ]);
    expect(json).toMatchObject({ current: 'json', lineReplies: 0 });
    expect(describeReplyFormat(summarizeReplyFormat(json))).toBe('json (auto)');
    expect(describeReplyFormat(summarizeReplyFormat(startReplyFormat('lines', 'given', model)))).toBe(
      'lines (as given)',
    );
  });

  it('ignores line replies of calls asked before the switch once it is made', () => {
    const switched = observeAll(startReplyFormat('lines', 'auto', model), [noCode, noCode]);
    expect(observeReply(switched, noCode)).toBe(switched);
  });
});
