import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../src/cli/exit-codes.js';
import { readRenderedBatch } from '../src/prompt/read-rendered-batch.js';
import {
  chatCompletion,
  type LoopbackServer,
  type RecordedRequest,
  sendJson,
  startLoopbackServer,
} from '../src/test/loopback-server.js';
import { useTempDir } from '../src/test/temp-dir.js';
import { runCli } from './run-cli.js';

/*
 * README's exit-code table against the code, and the codes a run gives on the real command line:
 * a run that ends with items unanswered exits 1 with the count in its last line, `--allow-failed`
 * accepts up to that many, and bad option values and inputs exit 2 and 3 as the table says.
 */

const repoRoot = resolve(import.meta.dirname, '..');
const temp = useTempDir();
const dataFile = temp('data.jsonl');
const rowCount = 10;
/**
 * Rows the endpoint never answers (their passage says `withheld`): each the last of its call, so
 * that the answers before it are used (a gap before an answer would void the answers after it).
 */
const unanswerable = [4, 9];
writeFileSync(
  dataFile,
  `${Array.from({ length: rowCount }, (_, index) =>
    JSON.stringify({
      id: `row-${index}`,
      question: `is ${index} even`,
      passage: unanswerable.includes(index) ? `number ${index}, withheld` : `number ${index}`,
      label: index % 2 === 0,
    }),
  ).join('\n')}\n`,
);

/** Answers every item of the batch `yes`, except those whose passage says `withheld`. */
function answerSome(request: RecordedRequest): Record<string, unknown> {
  const messages = (request.body as { messages: { role: string; content: string }[] }).messages;
  const batch = readRenderedBatch(messages.at(-1)?.content ?? '');
  const lines = batch
    .filter((entry) => !Object.values(entry.fields).some((text) => text.includes('withheld')))
    .map((entry) => `${entry.index} (${entry.tag}): yes sure`);
  return chatCompletion(lines.join('\n'));
}

let server: LoopbackServer;
const saved = process.env.BATCHPROMPT_API_KEY;

beforeAll(async () => {
  process.env.BATCHPROMPT_API_KEY = 'sk-test-exit-codes';
  server = await startLoopbackServer((request, response) => {
    // `run` first asks (GET) whether the endpoint is batchprompt's simulator: it is not.
    if (request.method !== 'POST') return sendJson(response, 404, { error: { message: 'not found' } });
    sendJson(response, 200, answerSome(request));
  });
});

afterAll(async () => {
  await server.close();
  if (saved === undefined) delete process.env.BATCHPROMPT_API_KEY;
  else process.env.BATCHPROMPT_API_KEY = saved;
});

let runIndex = 0;
afterEach(() => {
  runIndex += 1;
});

function runArgs(extra: string[] = []): string[] {
  return [
    'run',
    '--task',
    'boolq',
    '--data',
    dataFile,
    '--model',
    'openai-compatible:test-model',
    '--base-url',
    server.origin,
    '--format',
    'lines',
    '--strategy',
    'batch',
    '--batch-size',
    '5',
    '--concurrency',
    '1',
    '--store-dir',
    temp('store'),
    '--out',
    temp(`results-${runIndex}.jsonl`),
    '--quiet',
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

  it('exit 3 for options that do not go together and an output on an input', async () => {
    expect((await runCli(runArgs(['--detach']))).code).toBe(exitCodes.input);
    const overwrite = await runCli([...runArgs(), '--out', dataFile]);
    expect(overwrite.code).toBe(exitCodes.input);
    expect(overwrite.stderr).toContain('would write over --data');
  });
});
