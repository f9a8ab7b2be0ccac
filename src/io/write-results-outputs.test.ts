import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../test/temp-dir.js';
import { readRecords } from './read-records.js';
import { createResultsWriter, type ResultRow } from './write-results.js';

const pathTo = useTempDir();

const outputs = ['topic', 'urgency', 'mentions'];
const rows: ResultRow[] = [
  {
    id: 't1',
    answer: null,
    confidence: 0.8,
    settled: false,
    margin: 0.6,
    votes: {},
    status: 'answered',
    correct: false,
    input: { id: 't1', body: 'Charged twice', topic: 'billing' },
    outputs: {
      topic: { answer: 'billing', confidence: 1, settled: true, gold: 'billing', correct: true },
      urgency: { answer: 'low', confidence: 0.8, settled: false, gold: 'high', correct: false },
      mentions: {
        answer: ['refund', 'deadline'],
        confidence: 1,
        settled: true,
        gold: ['refund', 'deadline'],
        correct: true,
      },
    },
  },
];
const layout = { inputColumns: ['id', 'body', 'topic'], idColumn: 'id', labelled: true, outputs };
/** The columns after the input's, in order: three per output and two of gold, then the row's. */
const answerColumns = [
  'batchprompt_topic',
  'topic_confidence',
  'topic_settled',
  'topic_gold',
  'topic_correct',
  'urgency',
  'urgency_confidence',
  'urgency_settled',
  'urgency_gold',
  'urgency_correct',
  'mentions',
  'mentions_confidence',
  'mentions_settled',
  'mentions_gold',
  'mentions_correct',
  'confidence',
  'settled',
  'margin',
  'status',
  'error',
  'correct',
];

async function written(file: string): Promise<void> {
  const writer = createResultsWriter(file, layout);
  for (const row of rows) await writer.write(row);
  await writer.close();
}

describe('results of a task with three outputs', () => {
  it('JSONL: a column per output beside the input columns (renamed where an input has its name), with its confidence, settlement and gold', async () => {
    const file = pathTo('results.jsonl');
    await written(file);
    const line = JSON.parse(readFileSync(file, 'utf8').trim()) as Record<string, unknown>;
    expect(Object.keys(line)).toEqual([
      'id',
      'body',
      'topic',
      ...answerColumns.filter((name) => name !== 'error'),
    ]);
    expect(line).toMatchObject({
      topic: 'billing',
      batchprompt_topic: 'billing',
      urgency: 'low',
      urgency_settled: false,
      mentions: ['refund', 'deadline'],
      mentions_correct: true,
    });
  });

  it('CSV: the same columns, a multi-choice answer as a JSON list', async () => {
    const file = pathTo('results.csv');
    await written(file);
    const [header, row] = parse(readFileSync(file, 'utf8')) as string[][];
    expect(header).toEqual(['id', 'body', 'topic', ...answerColumns]);
    expect(row?.[header!.indexOf('urgency_gold')]).toBe('high');
    expect(row?.[header!.indexOf('mentions')]).toBe('["refund","deadline"]');
  });

  it('Parquet: the same columns, read back as written', async () => {
    const file = pathTo('results.parquet');
    await written(file);
    const read: Record<string, unknown>[] = [];
    for await (const record of readRecords(file)) read.push(record.record);
    expect(Object.keys(read[0]!)).toEqual(['id', 'body', 'topic', ...answerColumns]);
    expect(read[0]).toMatchObject({
      batchprompt_topic: 'billing',
      topic_settled: true,
      urgency_correct: false,
      mentions: '["refund","deadline"]',
    });
  });
});
