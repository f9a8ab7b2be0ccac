import { describe, expect, it } from 'vitest';
import { ApiCallError } from '../spec/errors.js';
import type { BatchEntry } from './batch-provider.js';
import { createFileBatchSession, findRecentBatch, parseJsonLines } from './file-batch-api.js';

function entry(customId: string, text: string): BatchEntry {
  return { customId, request: { messages: [{ role: 'user', content: text }] } };
}

async function* listing(ids: readonly number[], seen: number[]): AsyncGenerator<{ id: number }> {
  for (const id of ids) {
    seen.push(id);
    yield { id };
  }
}

describe('parseJsonLines', () => {
  it('reads one value a line and skips blank lines', () => {
    expect(parseJsonLines('{"a":1}\n\n  \n{"a":2}\n')).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('throws on a line that is not JSON', () => {
    expect(() => parseJsonLines('{"a":1}\n{"a":\n')).toThrow(SyntaxError);
  });
});

describe('findRecentBatch', () => {
  it('returns the first batch picked and reads no further', async () => {
    const seen: number[] = [];
    const found = await findRecentBatch(listing([5, 4, 3, 2], seen), (batch) => batch.id % 2 === 0);
    expect(found).toEqual({ id: 4 });
    expect(seen).toEqual([5, 4]);
  });

  it('gives up after the 500 most recent batches', async () => {
    const seen: number[] = [];
    const ids = Array.from({ length: 600 }, (_, index) => index);
    expect(await findRecentBatch(listing(ids, seen), (batch) => batch.id === 550)).toBeUndefined();
    expect(seen).toHaveLength(500);
    expect(await findRecentBatch(listing(ids, []), (batch) => batch.id === 499)).toEqual({ id: 499 });
  });
});

describe('createFileBatchSession', () => {
  it('reads each line that names a request, with the request the caller or this session knows', () => {
    const session = createFileBatchSession([]);
    session.remember([entry('a', 'first'), entry('b', 'second')]);
    const lines = [{ id: 'b' }, { id: 7 }, {}, { id: 'a' }, { id: 'elsewhere' }, { id: 'waiting' }];
    const read: { customId: string; messages: unknown }[] = [];
    const outcomes = session.outcomesOf(
      lines,
      (line) => line.id,
      (_line, customId, request) => {
        read.push({ customId, messages: request?.messages });
        return { customId, state: 'expired' };
      },
      // The batch model's waiting calls: a request another process submitted.
      (customId) => (customId === 'waiting' ? entry('waiting', 'third').request : undefined),
    );
    expect(outcomes.map((outcome) => outcome.customId)).toEqual(['b', 'a', 'elsewhere', 'waiting']);
    expect(read).toEqual([
      { customId: 'b', messages: [{ role: 'user', content: 'second' }] },
      { customId: 'a', messages: [{ role: 'user', content: 'first' }] },
      { customId: 'elsewhere', messages: undefined },
      { customId: 'waiting', messages: [{ role: 'user', content: 'third' }] },
    ]);
  });

  it('words a failed endpoint call as an ApiCallError naming what was done, without the key', async () => {
    const session = createFileBatchSession(['sk-secret-key-1234']);
    const failure = Object.assign(new Error('bad key sk-secret-key-1234'), { status: 401 });
    const error = await session
      .call('retrieving batch b1', () => Promise.reject(failure))
      .catch((caught: unknown) => caught);
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect((error as ApiCallError).status).toBe(401);
    expect((error as Error).message).toMatch(/^retrieving batch b1 failed \(HTTP 401\): /);
    expect((error as Error).message).not.toContain('sk-secret-key-1234');
    expect(await session.call('retrieving batch b2', () => Promise.resolve(3))).toBe(3);
  });
});
