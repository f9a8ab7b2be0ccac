import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../test/temp-dir.js';
import { readRecords } from './read-records.js';
import { createResultsWriter, type ResultRow } from './write-results.js';

const pathTo = useTempDir();

// Labels with the characters the old `answer:count;...` votes cell could not hold apart.
const rows: ResultRow[] = [
  {
    id: 't1',
    answer: 'ratio 3:2; approx',
    confidence: 0.75,
    votes: { 'ratio 3:2; approx': 3, 'a;b:c': 1 },
    status: 'answered',
    gold: 'ratio 3:2; approx',
    correct: true,
    input: { ticket: 't1', text: 'first, "quoted" text', label: 'ratio 3:2; approx', score: 7 },
  },
  {
    id: 't2',
    answer: null,
    confidence: null,
    votes: {},
    status: 'failed',
    error: 'timeout',
    gold: 'a;b:c',
    input: { ticket: 't2', text: 'second\nline', label: 'a;b:c', score: 8 },
  },
];
const layout = { inputColumns: ['ticket', 'text', 'label', 'score'], idColumn: 'ticket', labelled: true };

async function readBack(file: string): Promise<Record<string, unknown>[]> {
  const records: Record<string, unknown>[] = [];
  for await (const source of readRecords(file)) records.push(source.record);
  return records;
}

describe('createResultsWriter with the input columns', () => {
  it('writes JSONL rows holding every input column, then the answer columns', async () => {
    const file = pathTo('results.jsonl');
    const writer = createResultsWriter(file, layout);
    for (const row of rows) await writer.write(row);
    await writer.close();
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(Object.keys(JSON.parse(lines[0]!))).toEqual([
      'ticket',
      'text',
      'label',
      'score',
      'answer',
      'confidence',
      'votes',
      'status',
      'gold',
      'correct',
    ]);
    expect(JSON.parse(lines[1]!)).toEqual({
      ticket: 't2',
      text: 'second\nline',
      label: 'a;b:c',
      score: 8,
      answer: null,
      confidence: null,
      votes: {},
      status: 'failed',
      error: 'timeout',
      gold: 'a;b:c',
    });
  });

  it('writes CSV that csv-parse reads back, votes intact for labels holding `:` and `;`', async () => {
    const file = pathTo('results.csv');
    const writer = createResultsWriter(file, layout);
    for (const row of rows) await writer.write(row);
    await writer.close();
    const parsed = parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(Object.keys(parsed[0]!)).toEqual([
      'ticket',
      'text',
      'label',
      'score',
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
    expect(parsed[0]).toMatchObject({
      ticket: 't1',
      text: 'first, "quoted" text',
      answer: 'ratio 3:2; approx',
    });
    expect(JSON.parse(parsed[0]!.votes!)).toEqual(rows[0]!.votes);
    expect(parsed[1]).toMatchObject({
      text: 'second\nline',
      label: 'a;b:c',
      status: 'failed',
      error: 'timeout',
    });
  });

  it('writes Parquet that the Parquet reader reads back with typed columns', async () => {
    const file = pathTo('results.parquet');
    const writer = createResultsWriter(file, layout);
    for (const row of rows) await writer.write(row);
    await writer.close();
    const records = await readBack(file);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      ticket: 't1',
      text: 'first, "quoted" text',
      score: 7,
      answer: 'ratio 3:2; approx',
      confidence: 0.75,
      status: 'answered',
      correct: true,
    });
    expect(JSON.parse(records[0]!.votes as string)).toEqual(rows[0]!.votes);
    expect(records[1]).toMatchObject({ ticket: 't2', answer: null, error: 'timeout', correct: null });
  });

  it('adds an id column when the ids are not a column, and prefixes an answer column that clashes', async () => {
    const file = pathTo('clash.csv');
    const writer = createResultsWriter(file, { inputColumns: ['question', 'answer'] });
    await writer.write({
      id: '2',
      answer: 'no',
      confidence: 1,
      votes: { no: 1 },
      status: 'answered',
      input: { question: 'q?', answer: 'reference' },
    });
    await writer.close();
    expect(parse(readFileSync(file, 'utf8'), { columns: true })).toEqual([
      {
        id: '2',
        question: 'q?',
        answer: 'reference',
        batchprompt_answer: 'no',
        confidence: '1',
        settled: '',
        margin: '',
        votes: '{"no":1}',
        status: 'answered',
        error: '',
      },
    ]);
  });
});
