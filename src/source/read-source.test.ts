import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { boolqTask } from '../task/builtin-tasks.js';
import { type DataSourceOptions, readSource } from './read-source.js';

const directory = mkdtempSync(join(tmpdir(), 'read-source-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** A JSONL file with these ids, one row a line (a blank line where the id is null). */
function fileWithIds(name: string, ids: (string | number | null)[]): string {
  const file = join(directory, name);
  const lines = ids.map((id, index) =>
    id === null ? '' : JSON.stringify({ id, question: `question ${index}`, passage: 'p', label: true }),
  );
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Each row's line and, for a bad one, its error message; rows the options skip are left out. */
async function readAll(options: DataSourceOptions) {
  const rows: { line: number; error?: string }[] = [];
  for await (const entry of readSource(options)) {
    if (entry.kind === 'item') rows.push({ line: entry.line });
    else rows.push({ line: entry.invalid.line, error: entry.invalid.error.message });
  }
  return rows;
}

/** What the rows must read as: each id's first row recorded, each later one refused naming it. */
function expectedRows(file: string, ids: (string | number | null)[], selected = (_row: number) => true) {
  const firstLine = new Map<string, number>();
  const rows: { line: number; error?: string }[] = [];
  let row = 0;
  for (const [index, id] of ids.entries()) {
    if (id === null) continue;
    const line = index + 1;
    if (selected(row)) {
      const first = firstLine.get(String(id));
      if (first === undefined) {
        firstLine.set(String(id), line);
        rows.push({ line });
      } else {
        rows.push({
          line,
          error: `${file}, line ${line}, field \`id\`: duplicate id \`${id}\`, first seen at line ${first}; ids must be unique (numbers and strings with the same digits are the same id)`,
        });
      }
    }
    row += 1;
  }
  return rows;
}

const options = (file: string): DataSourceOptions => ({ file, task: boolqTask, maxItemTokens: 4000 });

describe('readSource, duplicate ids', () => {
  it('refuses each later row with an id, naming the first line, a number and its digits alike', async () => {
    const ids = ['a', 'b', null, 12345, 'b', '12345', 'c', 'b', 'a'];
    const file = fileWithIds('few.jsonl', ids);
    expect(await readAll(options(file))).toEqual(expectedRows(file, ids));
  });

  it('says the same of a file appended to itself, more duplicated ids than it checks one by one', async () => {
    const half = Array.from({ length: 40 }, (_, index) => `row-${index}`);
    const ids = [...half, null, ...half, 'row-3'];
    const file = fileWithIds('twice.jsonl', ids);
    const rows = await readAll(options(file));
    expect(rows).toEqual(expectedRows(file, ids));
    expect(rows.filter((row) => row.error !== undefined)).toHaveLength(41);
  });

  it('counts only the rows a selection takes: an id on a skipped row is no first', async () => {
    const ids = ['a', 'b', 'b', 'c', 'a', 'c', 'd', 'b'];
    const file = fileWithIds('selected.jsonl', ids);
    const even = (row: number) => row % 2 === 0;
    const rows = await readAll({ ...options(file), rows: even });
    expect(rows).toEqual(expectedRows(file, ids, even));
    // The `b` of line 3 is the first taken; line 2's `b` was skipped.
    expect(rows).toEqual([
      { line: 1 },
      { line: 3 },
      { line: 5, error: expect.stringContaining('duplicate id `a`, first seen at line 1') },
      { line: 7 },
    ]);
  });
});
