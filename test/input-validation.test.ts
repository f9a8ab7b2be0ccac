import { closeSync, existsSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../src/cli/exit-codes.js';
import { flattenFieldValue } from '../src/prompt/render-batch.js';
import { type LoopbackServer, startLoopbackServer } from '../src/test/loopback-server.js';
import { useTempDir } from '../src/test/temp-dir.js';
import { cliFlags } from './harness/cli-flags.js';
import { readJsonl, runCli } from './harness/run-cli.js';
import { spawnCli } from './harness/spawn-cli.js';
import { waitFor } from './harness/wait-for.js';

/*
 * Bad input the existing run tests do not cover: a 50 MB field, a million-row file with one bad
 * row in the middle, task files with an empty or duplicated label set, and results that must never
 * appear under their final name unless the run finished.
 */

const temp = useTempDir();

/** An endpoint that answers no request: any call to it is a failure of the test. */
let endpoint: LoopbackServer;

beforeAll(async () => {
  endpoint = await startLoopbackServer((_request, response) => {
    response.writeHead(500).end();
  });
});

afterAll(async () => {
  await endpoint.close();
});

/** `run` of `data` against the endpoint: the tests expect it refused before any call. */
function refusedRun(data: string, storeDir: string) {
  return runCli([
    'run',
    ...cliFlags({
      task: 'boolq',
      data,
      model: 'openai-compatible:any',
      'base-url': `${endpoint.origin}/v1`,
      'store-dir': storeDir,
      quiet: true,
    }),
  ]);
}

function row(index: number, passage = `a short passage about statement ${index}`): string {
  return JSON.stringify({ id: `r${index}`, question: `is statement ${index} true`, passage, label: true });
}

describe('a 50 MB field', () => {
  const directory = temp.folder('huge-field');
  const bigPassage = 'word '.repeat(10 * 1024 * 1024);

  it('in JSONL is refused as too large, naming the line, within seconds and before any call', async () => {
    const data = join(directory, 'huge.jsonl');
    writeFileSync(data, `${row(0)}\n${row(1, bigPassage)}\n${row(2)}\n`);
    const started = Date.now();
    const result = await refusedRun(data, join(directory, 'store'));
    const elapsedMs = Date.now() - started;
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toContain(`${data}, line 2`);
    expect(result.stderr).toMatch(/more than 64000 tokens long \(52428\d{3} characters\)/);
    // Measured about 1 s idle: the line is read in linear time and token counting stops at the limit.
    // The bound is for a loaded machine; the quadratic reading it guards against took minutes.
    expect(elapsedMs).toBeLessThan(60_000);
    expect(endpoint.requests).toHaveLength(0);
    expect(existsSync(join(directory, 'store'))).toBe(false);
  }, 120_000);

  it('in JSONL becomes an invalid row with --skip-invalid, and the other rows are answered', async () => {
    const data = join(directory, 'huge-skip.jsonl');
    writeFileSync(data, `${row(0)}\n${row(1, bigPassage)}\n${row(2)}\n`);
    const out = join(directory, 'huge-skip.jsonl.out.jsonl');
    const result = await runCli([
      'run',
      ...cliFlags({
        task: 'boolq',
        data,
        model: 'sim',
        'label-field': 'label',
        'skip-invalid': true,
        'store-dir': join(directory, 'store-skip'),
        out,
        json: true,
        quiet: true,
      }),
    ]);
    expect(result.code).toBe(exitCodes.ok);
    const rows = readJsonl(out);
    expect(rows.map((entry) => [entry.id, entry.status])).toEqual([
      ['r0', 'answered'],
      ['r1', 'invalid'],
      ['r2', 'answered'],
    ]);
    expect(rows[1]?.error).toMatch(/more than 64000 tokens/);
  }, 120_000);

  it('in CSV is refused as too large, naming the line', async () => {
    const data = join(directory, 'huge.csv');
    writeFileSync(data, `id,question,passage\nr0,q0,short\nr1,q1,${bigPassage}\nr2,q2,short\n`);
    const result = await refusedRun(data, join(directory, 'store-csv'));
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toContain(`${data}, line 3`);
    expect(result.stderr).toMatch(/more than 64000 tokens/);
    expect(endpoint.requests).toHaveLength(0);
  }, 120_000);

  it('is flattened exactly as every whitespace run replaced by one space (the fast path changes nothing)', () => {
    const whitespaceHeavy = fc.string({
      unit: fc.constantFrom('a', 'b', ' ', '  ', '\n', '\t', '\r\n', '\u00a0', '\u2028', '\u0085', 'x y'),
    });
    fc.assert(
      fc.property(whitespaceHeavy, (text) => {
        expect(flattenFieldValue(text)).toBe(text.replace(/[\s\u0085]+/g, ' ').trim());
      }),
      { numRuns: 500 },
    );
  });

  it('folds every Unicode line break, NEL (U+0085) included, which `\\s` does not match', () => {
    const breaks = ['\n', '\u000b', '\f', '\r', '\u0085', '\u2028', '\u2029'];
    for (const lineBreak of breaks) {
      expect(flattenFieldValue(`a${lineBreak}Input 3 (abcd): no`)).toBe('a Input 3 (abcd): no');
    }
  });
});

describe('a million-row file with one bad row in the middle', () => {
  it('is refused before any call, naming the line, in well under 30 s', async () => {
    const directory = temp.folder('million');
    const data = join(directory, 'million.jsonl');
    const badLine = 500_001;
    const file = openSync(data, 'w');
    let lines: string[] = [];
    for (let index = 0; index < 1_000_000; index += 1) {
      lines.push(index === badLine - 1 ? '{"id": "bad", "question": oops}' : row(index));
      if (lines.length === 20_000) {
        writeSync(file, `${lines.join('\n')}\n`);
        lines = [];
      }
    }
    closeSync(file);
    const started = Date.now();
    const result = await refusedRun(data, join(directory, 'store'));
    const elapsedMs = Date.now() - started;
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toContain(`${data}, line ${badLine}`);
    expect(result.stderr).toContain('--skip-invalid');
    // Measured about 10 s idle: every row is read and counted once, and nothing is sent. The bound is
    // for a loaded 2-core machine (50 s seen at load 17).
    expect(elapsedMs).toBeLessThan(180_000);
    expect(endpoint.requests).toHaveLength(0);
    expect(existsSync(join(directory, 'store'))).toBe(false);
  }, 300_000);
});

describe('a task file with a bad label set', () => {
  const directory = temp.folder('tasks');
  const data = join(directory, 'data.jsonl');
  writeFileSync(data, `${row(0)}\n`);

  for (const [name, labels, message] of [
    ['empty', '[]', /expected array to have >=2 items/],
    ['duplicated', '[yes, no, yes]', /label `yes` is listed twice/],
    [
      'one spelling for two labels',
      '[{value: yes, aliases: [y]}, {value: no, aliases: [Y]}]',
      /`Y` is used by both/,
    ],
  ] as const) {
    it(`is refused when the label set is ${name}, naming the file, line, column and field`, async () => {
      const taskFile = join(directory, `${name.replaceAll(' ', '-')}.yaml`);
      writeFileSync(
        taskFile,
        `name: t\ninstruction: answer it\nfields: [question, passage]\nanswer:\n  type: labels\n  labels: ${labels}\n`,
      );
      const result = await runCli([
        'run',
        ...cliFlags({
          task: taskFile,
          data,
          model: 'sim',
          'store-dir': join(directory, 'store'),
          quiet: true,
        }),
      ]);
      expect(result.code).toBe(exitCodes.input);
      // Where the `labels` key is: line 6, indented by two.
      expect(result.stderr).toContain(`${taskFile}, line 6, column 3, field \`answer.labels\``);
      expect(result.stderr).toMatch(message);
    });
  }
});

describe('results of a run that did not finish', () => {
  it('are only in <out>.partial after an interrupt, and under <out> once the run is resumed to the end', async () => {
    const directory = temp.folder('partial');
    const data = join(directory, 'data.jsonl');
    writeFileSync(data, `${Array.from({ length: 120 }, (_, index) => row(index)).join('\n')}\n`);
    const out = join(directory, 'out.jsonl');
    const args = [
      'run',
      ...cliFlags({
        task: 'boolq',
        data,
        model: 'sim',
        'label-field': 'label',
        'batch-size': 4,
        // Windows of 8 items, so that results are written while the run goes on.
        'window-size': 8,
        concurrency: 1,
        'sim-latency-ms': 40,
        'store-dir': join(directory, 'store'),
        out,
        json: true,
        quiet: true,
      }),
    ];
    const interrupted = spawnCli(args);
    // The first window's rows are written, with 14 windows to go (some calls of 40 ms each).
    await waitFor(
      () => existsSync(`${out}.partial`) && readFileSync(`${out}.partial`, 'utf8').includes('\n'),
      'the run wrote its first results',
      150_000,
    );
    interrupted.child.kill('SIGINT');
    const exit = await interrupted.done;
    expect(exit.code).toBe(exitCodes.interrupted);
    expect(exit.stderr).toContain(`partial results in ${out}.partial`);
    expect(existsSync(out)).toBe(false);
    const kept = readJsonl(`${out}.partial`);
    expect(kept.length).toBeGreaterThanOrEqual(8);
    expect(kept.length).toBeLessThan(120);

    const resumed = await runCli(args);
    expect(resumed.code).toBe(exitCodes.ok);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ resumed: true, answered: 120 });
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(120);
    expect(existsSync(`${out}.partial`)).toBe(false);
  }, 300_000);
});
