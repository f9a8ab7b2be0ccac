import { describe, expect, it } from 'vitest';
import { InputError } from '../spec/errors.js';
import { parseReportInput } from './report-input.js';

const strategy = {
  name: 'batch',
  batchSize: 32,
  rounds: 1,
  voting: 'weighted',
  accuracy: 0.9,
  calls: 2,
  inputTokens: 1000,
  outputTokens: 100,
  answered: 64,
  failed: 0,
};
const comparison = { model: 'sim:gpt-4', simulated: true, task: 'boolq', items: 64, strategies: [strategy] };
const runSummary = {
  runId: 'r1',
  model: 'openai:gpt-4o-mini',
  simulated: false,
  items: 10,
  answered: 10,
  unanswered: 0,
  failed: 0,
  invalid: 0,
  calls: 1,
  cacheHits: 0,
  inputTokens: 500,
  outputTokens: 50,
  estimatedCostUsd: 0.0001,
  wallMs: 1200,
  totalCalls: 1,
  totalInputTokens: 500,
  totalOutputTokens: 50,
  resumed: false,
};

function errorOf(text: string): InputError {
  try {
    parseReportInput(text, 'results/in.json');
  } catch (error) {
    if (InputError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('parseReportInput', () => {
  it('tells the three shapes apart', () => {
    expect(parseReportInput(JSON.stringify(comparison), 'a.json').kind).toBe('comparison');
    expect(parseReportInput(JSON.stringify(runSummary), 'a.json').kind).toBe('run');
    const evalRun = {
      model: 'sim',
      simulated: true,
      task: 'rte',
      strategy: { strategy: 'bpe', batchSize: 8, rounds: 3, voting: 'majority', seed: 0 },
      items: 5,
      answered: 5,
      unanswered: 0,
      failed: 0,
      calls: 3,
      inputTokens: 10,
      outputTokens: 5,
      rounds: [],
    };
    expect(parseReportInput(JSON.stringify(evalRun), 'a.json').kind).toBe('eval');
  });

  it('names the file, the shape and the path of what is wrong', () => {
    const broken = { ...comparison, strategies: [strategy, { ...strategy, calls: 'many' }] };
    const error = errorOf(JSON.stringify(broken));
    expect(error.file).toBe('results/in.json');
    expect(error.message).toMatch(/^results\/in\.json: /);
    expect(error.message).toContain('`eval --compare --json`');
    expect(error.message).toContain('`strategies[1].calls`');
  });

  it('checks the details too', () => {
    const details = {
      voting: 'weighted',
      scored: 64,
      byRound: [
        { round: 1, accuracy: 1.5, activeItems: 64, calls: 2, inputTokens: 1, outputTokens: 1, stopped: 0 },
      ],
      byPosition: [],
      confidence: { confident: { votes: 1, correct: 1 }, notConfident: { votes: 0, correct: 0 } },
      sampleBatch: null,
    };
    const error = errorOf(JSON.stringify({ ...comparison, strategies: [{ ...strategy, details }] }));
    expect(error.message).toContain('`strategies[0].details.byRound[0].accuracy`');
  });

  it('refuses text that is not JSON, JSON that is not an object, and objects of another kind', () => {
    expect(errorOf('{"model": ').message).toMatch(/results\/in\.json: is not valid JSON/);
    expect(errorOf('[1, 2]').message).toContain('got an array');
    expect(errorOf('{"name": "x"}').message).toContain(
      'expected a `strategies`, `strategy` or `runId` field, found `name`',
    );
  });

  it("says a plan's JSON is a forecast, not a run's summary", () => {
    // Checked against eval's shape, a plan was told it lacked `simulated`, `answered` and the rest.
    const plan = {
      model: 'sim',
      task: 'rte',
      items: 277,
      strategy: { strategy: 'adaptive' },
      single: {},
      worstCase: {},
    };
    expect(errorOf(JSON.stringify(plan)).message).toMatch(
      /results\/in\.json: is the output of `plan --json`, a forecast made before any call; .*`run --json`/,
    );
  });

  it('says a results file is not a summary, and how to get one', () => {
    const rows = [
      { id: 'q1', answer: 'yes', confidence: 1, status: 'answered' },
      { id: 'q2', answer: 'no', confidence: 1, status: 'answered' },
    ];
    const jsonLines = rows.map((row) => JSON.stringify(row)).join('\n');
    expect(() => parseReportInput(jsonLines, 'out/results.jsonl')).toThrow(
      /out\/results\.jsonl: is a results file \(one row per item\).*--json > summary\.json/,
    );
    // Named otherwise, the first row's answer columns still give it away.
    expect(() => parseReportInput(JSON.stringify(rows[0]), 'answers.txt')).toThrow(/is a results file/);
    expect(() => parseReportInput('id,answer,status\nq1,yes,answered\n', 'labels.csv')).toThrow(
      /is a results file/,
    );
  });
});
