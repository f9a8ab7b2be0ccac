import { describe, expect, it } from 'vitest';
import { InputError } from '../spec/errors.js';
import { validateMapping } from './validate-mapping.js';

function errorOf(run: () => void): InputError {
  try {
    run();
  } catch (error) {
    if (InputError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('Expected an InputError');
}

describe('validateMapping', () => {
  const columns = ['id', 'question', 'passage', 'answer'];

  it('accepts a mapping whose columns all exist', () => {
    expect(() =>
      validateMapping(columns, {
        fields: ['question', 'context'],
        fieldMap: { context: 'passage' },
        idField: 'id',
        labelField: 'answer',
      }),
    ).not.toThrow();
  });

  it('names a missing task field column and lists the columns that exist', () => {
    const error = errorOf(() =>
      validateMapping(columns, { fields: ['question', 'context'] }, { file: 'd.csv', line: 2 }),
    );
    expect(error.field).toBe('context');
    expect(error.message).toBe(
      'd.csv, line 2, field `context`: no column `context` for task field `context`; the columns are `id`, `question`, `passage`, `answer`; name the column that holds it with --map context=COLUMN',
    );
  });

  // A spreadsheet saved with `;` between columns (the default where `,` is the decimal mark), or
  // tabs, reads as a CSV of one column: the remedy is the separator, not --map.
  it('says a header read as one column holding the task fields is separated by `;` or tabs, not commas', () => {
    for (const separator of [';', '\t']) {
      const header = ['id', 'question', 'passage', 'label'].join(separator);
      const error = errorOf(() =>
        validateMapping([header], { fields: ['question', 'passage'] }, { file: 'd.csv', line: 2 }),
      );
      expect(error.field).toBe('question');
      expect(error.message).toContain(`the columns are \`${header}\``);
      expect(error.message).toContain(
        `the header reads as one column because its names are separated by ${separator === ';' ? '`;`' : 'tabs'}; batchprompt reads CSV separated by commas: save the file with commas, or as JSON Lines`,
      );
      expect(error.message).not.toContain('--map');
    }
    // One column that merely holds a `;` keeps the --map remedy.
    const plain = errorOf(() =>
      validateMapping(['notes; misc'], { fields: ['question'] }, { file: 'd.csv' }),
    );
    expect(plain.message).toContain('--map question=COLUMN');
  });

  it('names a bad --map target, --id-field and --label-field as the user typed them, suggesting a near match', () => {
    expect(
      errorOf(() => validateMapping(columns, { fields: ['q'], fieldMap: { q: 'Question' } })).message,
    ).toMatch(
      /no column `Question` for task field `q` \(mapped by `--map q=Question`\) \(did you mean `question`\?\)/,
    );
    expect(errorOf(() => validateMapping(columns, { fields: ['question'], idField: 'uid' })).message).toMatch(
      /no column `uid` for `--id-field` \(idField\)/,
    );
    expect(errorOf(() => validateMapping(columns, { fields: ['question'], labelField: 'label' })).field).toBe(
      'label',
    );
  });

  it('rejects a fieldMap key that is not a task field', () => {
    const error = errorOf(() =>
      validateMapping(columns, { fields: ['question'], fieldMap: { qestion: 'question' } }),
    );
    expect(error.message).toMatch(
      /`--map qestion=...` \(fieldMap\) names `qestion`, which is not a field of the task; the task's fields are `question`/,
    );
  });

  it('lists at most 30 columns', () => {
    const many = Array.from({ length: 45 }, (_, index) => `c${index}`);
    expect(errorOf(() => validateMapping(many, { fields: ['q'] })).message).toMatch(
      /`c29` and 15 more; name the column that holds it with --map q=COLUMN$/,
    );
  });
});
