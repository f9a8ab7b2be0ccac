import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../test/harness/run-cli.js';
import { defaultLocalModelPath, defaultLocalModelUri } from '../../models/default-local-model.js';
import { nodeLlamaCppAvailable } from '../../test/node-llama-cpp-available.js';
import { writeTinyGguf } from '../../test/write-tiny-gguf.js';
import { exitCodes } from '../exit-codes.js';

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'batchprompt-run-'));
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

function rows(count: number): string {
  return Array.from({ length: count }, (_, index) =>
    JSON.stringify({
      id: `r${index}`,
      question: `is statement ${index} true`,
      passage: `Statement ${index} -- a short passage about statement ${index}.`,
      label: index % 3 !== 0,
    }),
  ).join('\n');
}

function write(name: string, text: string | Buffer): string {
  const file = join(directory, name);
  writeFileSync(file, text);
  return file;
}

const common = () => [
  '--task',
  'boolq',
  '--model',
  'sim',
  '--store-dir',
  join(directory, 'store'),
  '--quiet',
];

describe('batchprompt run', () => {
  it('answers every row, writes results in input order, and a second identical run makes no calls', async () => {
    const data = write('data.jsonl', rows(40));
    const out = join(directory, 'out.jsonl');
    const first = await runCli([
      'run',
      '--data',
      data,
      '--label-field',
      'label',
      '--out',
      out,
      '--json',
      ...common(),
    ]);
    expect(first.code).toBe(exitCodes.ok);
    const summary = JSON.parse(first.stdout);
    expect(summary).toMatchObject({
      items: 40,
      answered: 40,
      invalid: 0,
      simulated: true,
      model: 'sim:gpt-4',
    });
    expect(summary.calls).toBeGreaterThan(0);
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.id)).toEqual(Array.from({ length: 40 }, (_, index) => `r${index}`));

    const second = await runCli([
      'run',
      '--data',
      data,
      '--label-field',
      'label',
      '--out',
      out,
      '--json',
      ...common(),
    ]);
    const again = JSON.parse(second.stdout);
    expect(again.calls).toBe(0);
    expect(again.cacheHits).toBe(summary.calls);
    expect(
      readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual(lines);
  });

  it('prints no dollar figure for the simulated model unless --prices gives it a price', async () => {
    const data = write('data.jsonl', rows(40));
    const args = (out: string, extra: string[]) => [
      'run',
      '--data',
      data,
      '--out',
      join(directory, `${out}.jsonl`),
      '--task',
      'boolq',
      '--model',
      'sim',
      '--store-dir',
      join(directory, `${out}-store`),
      ...extra,
    ];
    // Text and progress (stderr is no terminal here: plain progress lines).
    const text = await runCli(args('text', []));
    expect(text.code).toBe(exitCodes.ok);
    expect(text.stdout).toContain('none: a simulated model bills nothing (--prices gives it a price)');
    expect(text.stderr).toContain('progress: ');
    expect(`${text.stdout}${text.stderr}`).not.toMatch(/\$\d/);
    const json = await runCli(args('json', ['--json', '--quiet']));
    expect(JSON.parse(json.stdout)).toMatchObject({ simulated: true, estimatedCostUsd: null });

    // A price given for it is used, in the summary and the progress line alike.
    const prices = write('prices.json', JSON.stringify({ 'sim:gpt-4': { input: 1, output: 2 } }));
    const priced = await runCli(args('priced', ['--prices', prices]));
    expect(priced.stdout).toMatch(/estimated cost\s*│\s*\$0\.\d{4}/);
    expect(priced.stderr).toMatch(/progress: .*~\$0\.\d{4}/);
  });

  it('refuses a malformed JSONL line before any call, naming file and line', async () => {
    const data = write('bad.jsonl', `${rows(3)}\n{"id": "x", "question": oops}\n${rows(2)}`);
    const result = await runCli(['run', '--data', data, '--json', ...common()]);
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toContain(`${data}, line 4`);
    expect(result.stdout).toBe('');
  });

  it('records bad rows as invalid, in place, with --skip-invalid', async () => {
    const good = rows(4).split('\n');
    const data = write(
      'mixed.jsonl',
      [good[0], '{"id":"bad1","question":"q"}', good[1], good[2], 'not json', good[3]].join('\n'),
    );
    const out = join(directory, 'out.jsonl');
    const result = await runCli([
      'run',
      '--data',
      data,
      '--skip-invalid',
      '--out',
      out,
      '--json',
      ...common(),
    ]);
    expect(result.code).toBe(exitCodes.ok);
    expect(JSON.parse(result.stdout)).toMatchObject({ items: 6, invalid: 2, answered: 4 });
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => [line.id, line.status])).toEqual([
      ['r0', 'answered'],
      ['bad1', 'invalid'],
      ['r1', 'answered'],
      ['r2', 'answered'],
      ['5', 'invalid'],
      ['r3', 'answered'],
    ]);
    expect(lines[1].error).toContain('passage');
    expect(lines[4].error).toContain('line 5');
  });

  it('names the line and field of a CSV row with a missing field', async () => {
    const data = write('data.csv', 'id,question,passage\n1,is it,a passage\n2,is it\n');
    const result = await runCli(['run', '--data', data, ...common()]);
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toMatch(/data\.csv, line 3/);
    expect(result.stderr).toContain('passage');
  });

  it('records a CSV row with a missing field as invalid with --skip-invalid', async () => {
    const data = write(
      'data.csv',
      'id,question,passage,label\nc1,is it,a passage,yes\nc2,is it\nc3,is it so,another passage,no\n',
    );
    const out = join(directory, 'out.csv');
    const result = await runCli([
      'run',
      '--data',
      data,
      '--skip-invalid',
      '--out',
      out,
      '--json',
      ...common(),
    ]);
    expect(result.code).toBe(exitCodes.ok);
    const csv = readFileSync(out, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('id,question,passage,label,answer,confidence,settled,margin,votes,status,error');
    expect(csv.slice(1).map((line) => line.split(',')[0])).toEqual(['c1', '3', 'c3']);
    expect(csv[2]).toContain('invalid');
    expect(csv[2]).toContain('line 3');
  });

  it('names an unknown column and lists the columns that exist', async () => {
    const data = write('data.jsonl', rows(2));
    const result = await runCli(['run', '--data', data, '--label-field', 'gold', ...common()]);
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toContain('gold');
    expect(result.stderr).toContain('question');
  });

  it('refuses an empty file and a missing file', async () => {
    const empty = await runCli(['run', '--data', write('empty.jsonl', ''), ...common()]);
    expect(empty.code).toBe(exitCodes.input);
    expect(empty.stderr).toContain('empty.jsonl');
    const missing = await runCli(['run', '--data', join(directory, 'nope.jsonl'), ...common()]);
    expect(missing.code).toBe(exitCodes.input);
    expect(missing.stderr).toMatch(/nope\.jsonl.*not found/);
  });

  it('refuses an item too large for a batch, naming its line', async () => {
    const big = JSON.stringify({ id: 'big', question: 'q', passage: 'word '.repeat(3000) });
    const data = write('big.jsonl', `${rows(2)}\n${big}`);
    const result = await runCli(['run', '--data', data, '--max-batch-tokens', '1000', ...common()]);
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toContain('line 3');
    expect(result.stderr).toMatch(/tokens long/);
  });

  it('refuses bytes that are not UTF-8', async () => {
    const data = write(
      'latin1.jsonl',
      Buffer.concat([
        Buffer.from(`${rows(1)}\n{"id":"x","question":"caf`),
        Buffer.from([0xe9]),
        Buffer.from('","passage":"p"}\n'),
      ]),
    );
    const result = await runCli(['run', '--data', data, ...common()]);
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toContain('line 2');
  });

  it('rejects absurd numeric options as usage errors', async () => {
    const data = write('data.jsonl', rows(2));
    for (const [flag, value] of [
      ['--batch-size', '0'],
      ['--rounds', '-1'],
      ['--rpm', 'NaN'],
    ] as const) {
      const result = await runCli(['run', '--data', data, flag, value, ...common()]);
      expect(result.code).toBe(exitCodes.usage);
      expect(result.stderr).toContain(flag);
    }
  });

  it.skipIf(!nodeLlamaCppAvailable)(
    'without --model, fails within seconds where the default local model cannot be downloaded, saying where to put it',
    async () => {
      const data = write('data.jsonl', rows(2));
      const modelDirectory = join(directory, 'models');
      // Port 9 (discard) on loopback: nothing listens, as on a machine without network access.
      vi.stubEnv('HF_ENDPOINT', 'http://127.0.0.1:9');
      vi.stubEnv('BATCHPROMPT_MODEL_DIR', modelDirectory);
      try {
        const started = performance.now();
        const result = await runCli(['run', '--task', 'boolq', '--data', data, '--quiet']);
        // Loading node-llama-cpp alone takes seconds on a loaded machine; a retrying download
        // would take minutes.
        expect(performance.now() - started).toBeLessThan(60_000);
        expect(result.code).toBe(exitCodes.input);
        expect(result.stderr).toContain(
          `\`${defaultLocalModelPath({ BATCHPROMPT_MODEL_DIR: modelDirectory })}\``,
        );
        expect(result.stderr).toContain('--model');
      } finally {
        vi.unstubAllEnvs();
      }
    },
  );

  it.skipIf(!nodeLlamaCppAvailable)(
    'without --model, answers with the default local model once its file is in the model folder',
    async () => {
      const data = write('data.jsonl', rows(3));
      const modelDirectory = join(directory, 'models');
      const modelPath = defaultLocalModelPath({ BATCHPROMPT_MODEL_DIR: modelDirectory });
      mkdirSync(dirname(modelPath), { recursive: true });
      // A tiny random model stands in for the real file, as a user without network would copy it.
      await writeTinyGguf(modelPath);
      vi.stubEnv('HF_ENDPOINT', 'http://127.0.0.1:9');
      vi.stubEnv('BATCHPROMPT_MODEL_DIR', modelDirectory);
      vi.stubEnv('BATCHPROMPT_LOCAL_THREADS', '1');
      vi.stubEnv('BATCHPROMPT_LOCAL_GPU', 'cpu');
      try {
        const result = await runCli([
          'run',
          '--task',
          'boolq',
          '--data',
          data,
          '--rounds',
          '1',
          '--batch-size',
          '3',
          '--store-dir',
          join(directory, 'store'),
          '--json',
        ]);
        // Random weights write a random batch code in every JSON entry (the schema cannot pin it
        // without changing from call to call), so no answer is attributed and the run says so.
        expect(result.stderr).toBe(
          "error: no item got an answer: all 3 unanswered, no reply could be attributed to them (the reason is in each result's error)\n",
        );
        expect(result.code).toBe(exitCodes.incomplete);
        const summary = JSON.parse(result.stdout) as {
          model: string;
          simulated: boolean;
          calls: number;
          items: number;
        };
        expect(summary).toMatchObject({ model: defaultLocalModelUri, simulated: false, items: 3 });
        expect(summary.calls).toBeGreaterThan(0);
        // The checksum of the file found in place is recorded for later runs.
        expect(existsSync(`${modelPath}.sha256`)).toBe(true);
      } finally {
        vi.unstubAllEnvs();
      }
    },
  );
});
