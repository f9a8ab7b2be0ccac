import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/harness/run-cli.js';
import { readRecords } from '../../io/read-records.js';
import { exitCodes } from '../exit-codes.js';

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'batchprompt-run-columns-'));
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

// A user's own file: their column names, a label column holding `:` and `;`, a column the task
// does not read.
const tickets = [
  'ticket,body,category,priority',
  'T1,"My card was charged twice, please refund",billing: refund,high',
  'T2,The app crashes when I open settings,bug; crash,low',
  'T3,How do I change my password?,account,low',
  'T4,Refund the second charge please,billing: refund,high',
].join('\n');

const task = [
  'name: ticket-category',
  'instruction: Pick the category of the support ticket.',
  'fields: [text]',
  'answer:',
  '  type: labels',
  '  labels: ["billing: refund", "bug; crash", account]',
].join('\n');

async function run(out: string, ...extra: string[]) {
  const data = join(directory, 'tickets.csv');
  const taskFile = join(directory, 'task.yaml');
  writeFileSync(data, tickets);
  writeFileSync(taskFile, task);
  return runCli([
    'run',
    '--task',
    taskFile,
    '--data',
    data,
    '--map',
    'text=body',
    '--id-field',
    'ticket',
    '--label-field',
    'category',
    '--model',
    'sim',
    '--store-dir',
    join(directory, 'store'),
    '--out',
    out,
    '--quiet',
    '--json',
    ...extra,
  ]);
}

describe('batchprompt run --out keeps the input columns', () => {
  it('writes CSV with every input column, then the answers, gold and correct', async () => {
    const out = join(directory, 'labelled.csv');
    const result = await run(out);
    expect(result.code).toBe(exitCodes.ok);
    const rows = parse(readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([
      'ticket',
      'body',
      'category',
      'priority',
      'answer',
      'confidence',
      'settled',
      'margin',
      'votes',
      'status',
      'error',
      'gold',
      'correct',
    ]);
    expect(rows.map((row) => row.ticket)).toEqual(['T1', 'T2', 'T3', 'T4']);
    expect(rows[0]).toMatchObject({ body: 'My card was charged twice, please refund', priority: 'high' });
    for (const row of rows) {
      expect(row.status).toBe('answered');
      const votes = JSON.parse(row.votes!) as Record<string, number>;
      // The answer is one of the voted labels, read back whole although labels hold `:` and `;`.
      expect(Object.keys(votes)).toContain(row.answer);
      expect(row.correct).toBe(String(row.answer === row.category));
    }
  });

  it('writes JSONL and Parquet with the input columns too', async () => {
    const jsonl = join(directory, 'labelled.jsonl');
    expect((await run(jsonl)).code).toBe(exitCodes.ok);
    const lines = readFileSync(jsonl, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[1]).toMatchObject({
      ticket: 'T2',
      priority: 'low',
      category: 'bug; crash',
      status: 'answered',
    });

    const parquet = join(directory, 'labelled.parquet');
    expect((await run(parquet)).code).toBe(exitCodes.ok);
    const records: Record<string, unknown>[] = [];
    for await (const source of readRecords(parquet)) records.push(source.record);
    expect(records.map((record) => record.ticket)).toEqual(['T1', 'T2', 'T3', 'T4']);
    expect(records[2]).toMatchObject({ body: 'How do I change my password?', status: 'answered' });
    expect(typeof records[2]!.confidence).toBe('number');
  });

  it('keeps the old shape with --columns answers-only', async () => {
    const out = join(directory, 'answers.csv');
    expect((await run(out, '--columns', 'answers-only')).code).toBe(exitCodes.ok);
    const rows = parse(readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([
      'id',
      'answer',
      'confidence',
      'settled',
      'margin',
      'votes',
      'status',
      'error',
      'gold',
      'correct',
    ]);
    expect(rows.map((row) => row.id)).toEqual(['T1', 'T2', 'T3', 'T4']);
  });

  it('answers only the first rows with --limit, and a seeded sample with --sample', async () => {
    const limited = join(directory, 'limited.csv');
    expect((await run(limited, '--limit', '2')).code).toBe(exitCodes.ok);
    const first = parse(readFileSync(limited, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(first.map((row) => row.ticket)).toEqual(['T1', 'T2']);

    const sampled = join(directory, 'sampled.csv');
    expect((await run(sampled, '--sample', '2', '--seed', '3')).code).toBe(exitCodes.ok);
    const sample = parse(readFileSync(sampled, 'utf8'), { columns: true }) as Record<string, string>[];
    const tickets = sample.map((row) => row.ticket!);
    expect(tickets).toHaveLength(2);
    // Kept in file order, and the same seed picks the same rows again.
    expect([...tickets].sort()).toEqual(tickets);
    const again = join(directory, 'again.csv');
    expect((await run(again, '--sample', '2', '--seed', '3')).code).toBe(exitCodes.ok);
    expect(
      (parse(readFileSync(again, 'utf8'), { columns: true }) as Record<string, string>[]).map(
        (row) => row.ticket,
      ),
    ).toEqual(tickets);
  });
});
