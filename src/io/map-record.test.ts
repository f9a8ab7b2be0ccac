import { describe, expect, it } from 'vitest';
import { InputError } from '../spec/errors.js';
import { mapRecord } from './map-record.js';

const where = { file: 'data.jsonl', line: 7 };

function errorOf(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    if (InputError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('Expected an InputError');
}

describe('mapRecord', () => {
  it('reads the task fields as text, the id and the gold answer', () => {
    const record = { uid: 42, q: 'Is it?', passage: 'Yes.', n: 3, flag: false, label: true };
    expect(
      mapRecord(
        record,
        {
          fields: ['question', 'context', 'n', 'flag'],
          fieldMap: { question: 'q', context: 'passage' },
          idField: 'uid',
          labelField: 'label',
        },
        where,
      ),
    ).toEqual({
      id: '42',
      line: 7,
      fields: { question: 'Is it?', context: 'Yes.', n: '3', flag: 'false' },
      gold: true,
    });
  });

  it('uses the line number as the id, and bigint (Parquet INT64) values as text', () => {
    expect(mapRecord({ q: 12345678901234567890n }, { fields: ['q'] }, where)).toEqual({
      id: '7',
      line: 7,
      fields: { q: '12345678901234567890' },
    });
  });

  it('leaves gold out when the label is null or an empty CSV cell', () => {
    expect(
      mapRecord({ q: 'a', label: '' }, { fields: ['q'], labelField: 'label' }, where),
    ).not.toHaveProperty('gold');
    expect(
      mapRecord({ q: 'a', label: null }, { fields: ['q'], labelField: 'label' }, where),
    ).not.toHaveProperty('gold');
  });

  it('names file, line and column of a value that is not a scalar', () => {
    const error = errorOf(() => mapRecord({ q: { text: 'a' } }, { fields: ['q'] }, where));
    expect(error.message).toBe(
      'data.jsonl, line 7, field `q`: task field `q` must be a string, number or boolean, got an object',
    );
    expect(errorOf(() => mapRecord({ q: null }, { fields: ['q'] }, where)).message).toMatch(/got null/);
  });

  it('names a missing column and lists those the row has', () => {
    const error = errorOf(() =>
      mapRecord({ question: 'a', id: 1 }, { fields: ['question'], labelField: 'gold' }, where),
    );
    expect(error.field).toBe('gold');
    expect(error.line).toBe(7);
    expect(error.message).toMatch(
      /no column `gold` for `--label-field` \(labelField, or the task's `goldField`\); the columns are `question`, `id`/,
    );
  });

  it('does not take inherited properties for columns', () => {
    expect(errorOf(() => mapRecord({ q: 'a' }, { fields: ['constructor'] }, where)).field).toBe(
      'constructor',
    );
  });

  it('rejects an empty id', () => {
    expect(
      errorOf(() => mapRecord({ q: 'a', id: ' ' }, { fields: ['q'], idField: 'id' }, where)).message,
    ).toMatch(/`idField` column `id` must hold a non-empty string or number/);
  });
});
