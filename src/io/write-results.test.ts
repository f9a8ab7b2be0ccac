import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { InputError, LockError } from '../spec/errors.js';
import { rejectionOf } from '../test/rejection-of.js';
import { useTempDir } from '../test/temp-dir.js';
import { createResultsWriter, type ResultRow } from './write-results.js';

const pathTo = useTempDir();

const rows: ResultRow[] = [
  {
    id: '1',
    answer: 'yes',
    confidence: 0.9,
    votes: { yes: 3, no: 1 },
    status: 'answered',
    gold: 'yes',
    correct: true,
  },
  { id: 'a,"b"', answer: null, confidence: null, votes: {}, status: 'failed', error: 'timeout, then\n"429"' },
  { id: '3', answer: 42, confidence: 1, votes: { '42': 2 }, status: 'answered', gold: 42n },
];

function errorOf(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error, got none');
}

async function microtasks(count: number): Promise<void> {
  for (let index = 0; index < count; index++) await Promise.resolve();
}

describe('createResultsWriter', () => {
  it('writes JSONL with a fixed key order, leaving out what is undefined', async () => {
    const file = pathTo('results.jsonl');
    const writer = createResultsWriter(file);
    for (const row of rows) await writer.write(row);
    await writer.close();
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe(
      '{"id":"1","answer":"yes","confidence":0.9,"votes":{"yes":3,"no":1},"status":"answered","gold":"yes","correct":true}',
    );
    expect(JSON.parse(lines[1]!)).toEqual(rows[1]);
    expect(JSON.parse(lines[2]!).gold).toBe('42');
  });

  it('writes CSV that a CSV parser reads back to the same values, votes as a JSON cell', async () => {
    const file = pathTo('results.csv');
    const writer = createResultsWriter(file, { labelled: true });
    for (const row of rows) await writer.write(row);
    await writer.close();
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[0]).toBe('id,answer,confidence,settled,margin,votes,status,error,gold,correct');
    expect(parse(text, { columns: true })).toEqual([
      {
        id: '1',
        answer: 'yes',
        confidence: '0.9',
        settled: '',
        margin: '',
        votes: '{"yes":3,"no":1}',
        status: 'answered',
        error: '',
        gold: 'yes',
        correct: 'true',
      },
      {
        id: 'a,"b"',
        answer: '',
        confidence: '',
        settled: '',
        margin: '',
        votes: '{}',
        status: 'failed',
        error: 'timeout, then\n"429"',
        gold: '',
        correct: '',
      },
      {
        id: '3',
        answer: '42',
        confidence: '1',
        settled: '',
        margin: '',
        votes: '{"42":2}',
        status: 'answered',
        error: '',
        gold: '42',
        correct: '',
      },
    ]);
  });

  it('leaves gold and correct out of a CSV without labels', async () => {
    const file = pathTo('unlabelled.csv');
    const writer = createResultsWriter(file);
    await writer.write(rows[1]!);
    await writer.close();
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe(
      'id,answer,confidence,settled,margin,votes,status,error',
    );
  });

  it('writes to a .partial file and gives it the final name only on close', async () => {
    const file = pathTo('renamed.jsonl');
    const writer = createResultsWriter(file);
    await writer.write(rows[0]!);
    expect(existsSync(`${file}.partial`)).toBe(true);
    expect(existsSync(file)).toBe(false);
    await writer.close();
    await writer.close();
    expect(existsSync(file)).toBe(true);
    expect(existsSync(`${file}.partial`)).toBe(false);
    await expect(writer.write(rows[0]!)).rejects.toThrow(/the writer is closed/);
  });

  it('makes the caller wait while the stream is over its buffer, and not otherwise', async () => {
    const writer = createResultsWriter(pathTo('backpressure.jsonl'));
    await writer.write(rows[0]!); // the first write also waits for the file to open
    let smallDone = false;
    const small = writer.write(rows[0]!).then(() => {
      smallDone = true;
    });
    await microtasks(5);
    expect(smallDone).toBe(true);
    await small;

    let largeDone = false;
    const large = writer.write({ ...rows[1]!, error: 'x'.repeat(64 * 1024) }).then(() => {
      largeDone = true;
    });
    // A file write needs a turn of the event loop, so a write that waits for 'drain' is still pending.
    await microtasks(5);
    expect(largeDone).toBe(false);
    await large;
    await writer.close();
  });

  it('rejects an unknown extension up front', () => {
    expect(() => createResultsWriter(pathTo('results.txt'))).toThrow(
      /Expected the results file to end in .jsonl, .ndjson, .csv or .parquet, got `.txt`/,
    );
  });

  it('fails with an InputError naming the file when it cannot be written, and frees the lock', () => {
    const directory = pathTo('a-directory');
    mkdirSync(`${directory}.csv.partial`, { recursive: true });
    const error = errorOf(() => createResultsWriter(`${directory}.csv`));
    expect(InputError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/a-directory\.csv\.partial: cannot replace the leftover .*EISDIR/);
    expect(existsSync(`${directory}.csv.lock`)).toBe(false);
  });

  it('refuses a directory that does not exist before anything is written', () => {
    const error = errorOf(() => createResultsWriter(pathTo('missing-directory/results.jsonl')));
    expect(InputError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/missing-directory does not exist/);
  });

  it('lets one writer at a time hold a results file, naming the holder, and frees it on close', async () => {
    const file = pathTo('locked.jsonl');
    const first = createResultsWriter(file);
    const refused = errorOf(() => createResultsWriter(file));
    expect(LockError.isInstance(refused)).toBe(true);
    expect(refused.message).toContain(`process ${process.pid}`);
    await first.write(rows[0]!);
    await first.close();
    const second = createResultsWriter(file);
    await second.release();
    expect(existsSync(`${file}.lock`)).toBe(false);
    expect(readFileSync(file, 'utf8')).toContain('"id":"1"');
  });

  it('given up before its file opened, leaves no .partial once release resolves, and frees the lock', async () => {
    const file = pathTo('given-up.jsonl');
    // Released in the same tick as created: the file is still opening when release is called.
    await createResultsWriter(file).release({ discard: true });
    // Anything the stream would create late has been created by now, had release not waited.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(existsSync(`${file}.partial`)).toBe(false);
    expect(existsSync(`${file}.lock`)).toBe(false);
    const kept = createResultsWriter(file);
    await kept.write(rows[0]!);
    await kept.release();
    expect(readFileSync(`${file}.partial`, 'utf8')).toContain('"id":"1"');
    expect(existsSync(file)).toBe(false);
  });

  it('given up with no row written, removes its .partial in every format, and keeps one with rows', async () => {
    for (const name of ['empty.jsonl', 'empty.csv', 'empty.parquet']) {
      const file = pathTo(name);
      const empty = createResultsWriter(file);
      expect(empty.rowCount).toBe(0);
      await empty.release();
      // A CSV's header alone is no result: nothing of a run stopped before its first answer stays.
      expect(existsSync(`${file}.partial`), name).toBe(false);
      expect(existsSync(`${file}.lock`)).toBe(false);

      const kept = createResultsWriter(file);
      await kept.write(rows[0]!);
      expect(kept.rowCount).toBe(1);
      await kept.release();
      // A Parquet file is written whole: the rows it held are written out as it is given up.
      expect(readFileSync(`${file}.partial`).length, name).toBeGreaterThan(0);
      expect(existsSync(file)).toBe(false);
    }
    expect(readFileSync(pathTo('empty.jsonl.partial'), 'utf8')).toContain('"id":"1"');
    expect(readFileSync(pathTo('empty.csv.partial'), 'utf8').split('\n')[1]).toMatch(/^1,yes,/);
  });

  it('takes over a lock left by a process that is gone, and a .partial it left', async () => {
    const file = pathTo('stale.jsonl');
    // pid 2^22 + 1 is above Linux's pid_max, so no process has it.
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: 4_194_305, host: hostname(), since: 'earlier' }));
    writeFileSync(`${file}.partial`, 'half a line from a killed run');
    const writer = createResultsWriter(file);
    await writer.write(rows[0]!);
    await writer.close();
    expect(readFileSync(file, 'utf8')).not.toContain('killed run');
  });

  it('never replaces a results file that another run produced while it was writing', async () => {
    const file = pathTo('contested.jsonl');
    const writer = createResultsWriter(file);
    await writer.write(rows[0]!);
    writeFileSync(file, 'the other run\n');
    const error = await rejectionOf(writer.close());
    expect(error.message).toMatch(/written by another run/);
    expect(readFileSync(file, 'utf8')).toBe('the other run\n');
    expect(readFileSync(`${file}.partial`, 'utf8')).toContain('"id":"1"');
  });

  it('escapes CSV cells that a spreadsheet would run as formulas, and leaves numbers alone', async () => {
    const file = pathTo('formulas.csv');
    const writer = createResultsWriter(file);
    for (const id of ['=HYPERLINK("http://example.invalid","x")', '+1+1', '-2+3', '@SUM(A1)', '\tx'])
      await writer.write({ id, answer: -1.5, confidence: null, votes: {}, status: 'answered' });
    await writer.close();
    const parsed = parse(readFileSync(file, 'utf8'), { columns: true }) as { id: string; answer: string }[];
    expect(parsed.map((row) => row.id)).toEqual([
      `'=HYPERLINK("http://example.invalid","x")`,
      "'+1+1",
      "'-2+3",
      "'@SUM(A1)",
      "'\tx",
    ]);
    expect(parsed.every((row) => row.answer === '-1.5')).toBe(true);
  });

  it('quotes a CSV cell holding a carriage return alone, which readers take for the end of a row', async () => {
    const file = pathTo('carriage-return.csv');
    const writer = createResultsWriter(file);
    for (const id of ['line\rbreak', 'line\nbreak', 'plain'])
      await writer.write({ id, answer: 'yes', confidence: null, votes: {}, status: 'answered' });
    await writer.close();
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('"line\rbreak"');
    const parsed = parse(text, { columns: true }) as { id: string; answer: string }[];
    expect(parsed.map((row) => [row.id, row.answer])).toEqual([
      ['line\rbreak', 'yes'],
      ['line\nbreak', 'yes'],
      ['plain', 'yes'],
    ]);
  });
});
