import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../spec/errors.js';
import { boolqTask, rteTask } from '../task/builtin-tasks.js';
import { loadItems } from './load-items.js';

const directory = mkdtempSync(join(tmpdir(), 'load-items-'));
function dataFile(name: string, lines: string[]): string {
  const file = join(directory, name);
  writeFileSync(file, lines.join('\n'));
  return file;
}

const rows = Array.from({ length: 20 }, (_, index) =>
  JSON.stringify({
    id: `row-${index}`,
    question: `question ${index}`,
    passage: `passage ${index}`,
    label: index % 2 === 0,
  }),
);

describe('loadItems', () => {
  it('reads the task fields, id and gold label of each row, skipping blank lines', async () => {
    const file = dataFile('plain.jsonl', [rows[0]!, '', rows[1]!, '']);
    const items = await loadItems(file, boolqTask);
    expect(items).toEqual([
      { id: 'row-0', fields: { question: 'question 0', passage: 'passage 0' }, gold: true },
      { id: 'row-1', fields: { question: 'question 1', passage: 'passage 1' }, gold: false },
    ]);
  });

  it('names rows without an id column by their line, as run does (not `line-<n>`)', async () => {
    const file = dataFile('no-id.jsonl', [
      '{"question":"q","passage":"p"}',
      '',
      '{"question":"r","passage":"s"}',
    ]);
    expect(await loadItems(file, boolqTask)).toEqual([
      { id: '1', fields: { question: 'q', passage: 'p' } },
      { id: '3', fields: { question: 'r', passage: 's' } },
    ]);
  });

  it('reads CSV too, with --id-field and --map as run reads them', async () => {
    const file = join(directory, 'rows.csv');
    writeFileSync(file, 'key,q,passage,label\nk1,first,p1,true\nk2,second,p2,false\n');
    expect(await loadItems(file, boolqTask, { idField: 'key', fieldMap: { question: 'q' } })).toEqual([
      { id: 'k1', fields: { question: 'first', passage: 'p1' }, gold: 'true' },
      { id: 'k2', fields: { question: 'second', passage: 'p2' }, gold: 'false' },
    ]);
  });

  it('samples without replacement, reproducibly, in file order', async () => {
    const file = dataFile('many.jsonl', rows);
    const first = await loadItems(file, boolqTask, { sample: 7, seed: 4 });
    const again = await loadItems(file, boolqTask, { sample: 7, seed: 4 });
    const other = await loadItems(file, boolqTask, { sample: 7, seed: 5 });
    expect(first).toEqual(again);
    expect(new Set(first.map((item) => item.id)).size).toBe(7);
    const positions = first.map((item) => Number(item.id.slice(4)));
    expect(positions).toEqual([...positions].sort((left, right) => left - right));
    expect(other.map((item) => item.id)).not.toEqual(first.map((item) => item.id));
    expect(await loadItems(file, boolqTask, { sample: 50 })).toHaveLength(20);
  });

  it('reports bad JSON and missing fields with file, line and field', async () => {
    const broken = dataFile('broken.jsonl', [rows[0]!, '{"question": ']);
    const error = await loadItems(broken, boolqTask).catch((caught: unknown) => caught);
    expect(InputError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ file: broken, line: 2 });

    const missing = dataFile('missing.jsonl', [rows[0]!]);
    const fieldError = await loadItems(missing, rteTask).catch((caught: unknown) => caught);
    expect(fieldError).toMatchObject({ file: missing, line: 1, field: 'premise' });
    expect(String((fieldError as Error).message)).toMatch(/missing/);
  });

  it('rejects a missing file, an empty file and a bad sample size', async () => {
    await expect(loadItems(join(directory, 'nope.jsonl'), boolqTask)).rejects.toThrow(/file not found/);
    await expect(loadItems(dataFile('empty.jsonl', ['', '']), boolqTask)).rejects.toThrow(/no rows/);
    await expect(loadItems(dataFile('ok.jsonl', rows), boolqTask, { sample: 0 })).rejects.toThrow(
      /`sample` to be an integer >= 1, got `0`/,
    );
  });
});
