import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { exitCodes } from '../src/cli/exit-codes.js';
import { answerEachItem } from '../src/test/answer-each-item.js';
import { chatCompletion } from '../src/test/loopback-server.js';
import { useTempDir } from '../src/test/temp-dir.js';
import { type ChatEndpoint, startChatEndpoint } from './harness/chat-endpoint.js';
import { cliFlags } from './harness/cli-flags.js';
import { writeJsonl } from './harness/data-files.js';
import { repoRoot } from './harness/repo-paths.js';
import { runCli } from './harness/run-cli.js';
import { useEnvironment } from './harness/use-environment.js';

/*
 * README's exit-code table against the code, and the codes a run gives on the real command line:
 * a run that ends with items unanswered exits 1 with the count in its last line, `--allow-failed`
 * accepts up to that many, and bad option values and inputs exit 2 and 3 as the table says.
 */

const temp = useTempDir();
const rowCount = 10;
/**
 * Rows the endpoint never answers (their passage says `withheld`): each the last of its call, so
 * that the answers before it are used (a gap before an answer would void the answers after it).
 */
const unanswerable = [4, 9];
const dataFile = writeJsonl(
  temp('data.jsonl'),
  Array.from({ length: rowCount }, (_, index) => ({
    id: `row-${index}`,
    question: `is ${index} even`,
    passage: unanswerable.includes(index) ? `number ${index}, withheld` : `number ${index}`,
    label: index % 2 === 0,
  })),
);

let server: ChatEndpoint;
useEnvironment({ BATCHPROMPT_API_KEY: 'sk-test-exit-codes' }, 'all');

beforeAll(async () => {
  // Every item of the batch `yes`, except those whose passage says `withheld`.
  server = await startChatEndpoint((request) => ({
    status: 200,
    body: chatCompletion(
      answerEachItem(request, (entry) =>
        Object.values(entry.fields).some((text) => text.includes('withheld'))
          ? undefined
          : { answer: 'yes', sure: true },
      ),
    ),
  }));
});

afterAll(async () => {
  await server.close();
});

let runIndex = 0;
afterEach(() => {
  runIndex += 1;
});

function runArgs(extra: string[] = []): string[] {
  return [
    'run',
    ...cliFlags({
      task: 'boolq',
      data: dataFile,
      model: 'openai-compatible:test-model',
      'base-url': server.origin,
      format: 'lines',
      strategy: 'batch',
      'batch-size': 5,
      concurrency: 1,
      'store-dir': temp('store'),
      out: temp(`results-${runIndex}.jsonl`),
      quiet: true,
    }),
    ...extra,
  ];
}

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1);

describe("README's exit-code table", () => {
  it('lists exactly the codes the command line returns', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const table = /<!-- exit-codes -->\n([\s\S]*?)\n\n/.exec(readme)?.[1];
    expect(table).toBeDefined();
    const listed = [...table!.matchAll(/^\| (\d+)\s+\|/gm)].map((match) => Number(match[1]));
    expect(listed).toEqual([...new Set(Object.values(exitCodes))].sort((a, b) => a - b));
  });
});

describe('a run that ends with items unanswered', () => {
  it('exits 1, incomplete, with the count in the last line, and writes every row', async () => {
    const result = await runCli(runArgs());
    expect(result.code).toBe(exitCodes.incomplete);
    expect(lastLine(result.stderr)).toBe(
      `incomplete: 2 of ${rowCount} items have no answer (2 unanswered, 0 failed; the reason is in each result's error); the same command again asks only them, and --allow-failed 2 accepts them`,
    );
    const rows = readFileSync(temp(`results-${runIndex}.jsonl`), 'utf8')
      .trim()
      .split('\n');
    expect(rows).toHaveLength(rowCount);
  });

  it('exits 0 within --allow-failed, as a count or a share of the items, and 1 beyond it', async () => {
    const accepted = await runCli(runArgs(['--allow-failed', '2']));
    expect(accepted.code).toBe(exitCodes.ok);
    expect(lastLine(accepted.stderr)).toContain('within --allow-failed 2');
    expect((await runCli(runArgs(['--allow-failed', '20%']))).code).toBe(exitCodes.ok);
    expect((await runCli(runArgs(['--allow-failed', '1']))).code).toBe(exitCodes.incomplete);
    expect((await runCli(runArgs(['--allow-failed', '19.5%']))).code).toBe(exitCodes.incomplete);
  });
});

describe('bad option values and inputs', () => {
  it('exit 2 for a value a flag refuses, before anything is read', async () => {
    const bad = await runCli(runArgs(['--allow-failed', 'some']));
    expect(bad.code).toBe(exitCodes.usage);
    expect(bad.stderr).toContain(
      "argument 'some' is invalid. expected a count of items (5) or a share of them (2.5%), got `some`",
    );
    expect((await runCli(runArgs(['--batch-size', '0']))).code).toBe(exitCodes.usage);
    expect((await runCli(runArgs(['--no-such-flag']))).code).toBe(exitCodes.usage);
  });

  it('exit 3 for a model whose API key is not set, before any call, naming the variable as the table says', async () => {
    // Given back with the file's other variables after all its tests.
    vi.stubEnv('OPENAI_API_KEY', undefined);
    const noKey = await runCli([...runArgs(), '--model', 'openai:gpt-4o-mini']);
    expect(noKey.code).toBe(exitCodes.input);
    expect(noKey.stderr).toContain('set the environment variable OPENAI_API_KEY');
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    expect(/^\| 3 .*a model whose API key is not set/m.test(readme)).toBe(true);
  });

  it('exit 3 for options that do not go together and an output on an input', async () => {
    expect((await runCli(runArgs(['--detach']))).code).toBe(exitCodes.input);
    const overwrite = await runCli([...runArgs(), '--out', dataFile]);
    expect(overwrite.code).toBe(exitCodes.input);
    expect(overwrite.stderr).toContain('would write over --data');
  });
});
