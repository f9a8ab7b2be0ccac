import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exitCodes } from '../src/cli/exit-codes.js';
import { answerEachItem } from '../src/test/answer-each-item.js';
import { chatCompletion } from '../src/test/loopback-server.js';
import { useTempDir } from '../src/test/temp-dir.js';
import { type ChatEndpoint, startChatEndpoint, upstreamFailure } from './harness/chat-endpoint.js';
import { cliFlags } from './harness/cli-flags.js';
import { writeJsonl } from './harness/data-files.js';
import { runCli } from './harness/run-cli.js';
import { useEnvironment } from './harness/use-environment.js';

/*
 * `eval --compare` follows the rule of run and eval: a comparison in which no strategy answered
 * any item never exits 0; 4 when the calls failed, 1 when the replies could not be attributed.
 */

const temp = useTempDir();
const dataFile = writeJsonl(
  temp('data.jsonl'),
  Array.from({ length: 6 }, (_, index) => ({
    question: `is ${index} even`,
    passage: `number ${index}`,
    label: index % 2 === 0,
  })),
);

type Mode = 'answer' | 'chatter' | 'always-500';
let mode: Mode = 'answer';
let server: ChatEndpoint;
useEnvironment({ BATCHPROMPT_API_KEY: 'sk-test-compare-0123456789' });

beforeEach(async () => {
  server = await startChatEndpoint((request) => {
    if (mode === 'answer')
      return {
        status: 200,
        body: chatCompletion(answerEachItem(request, () => ({ answer: 'yes', sure: true }))),
      };
    // A reply that answers no item: nothing can be attributed, whatever is asked again.
    if (mode === 'chatter') return { status: 200, body: chatCompletion('I would rather not say.') };
    return upstreamFailure;
  });
});

afterEach(async () => {
  await server.close();
});

function compareArgs(extra: string[] = []): string[] {
  return [
    'eval',
    '--compare',
    ...cliFlags({
      task: 'boolq',
      data: dataFile,
      model: 'openai-compatible:test-model',
      'base-url': server.origin,
      format: 'lines',
      rounds: 2,
      'batch-size': 3,
      'max-retries': 0,
      'no-cache': true,
      json: true,
    }),
    ...extra,
  ];
}

describe('eval --compare exit codes', () => {
  it('exits 0 when the strategies answered', async () => {
    mode = 'answer';
    const run = await runCli(compareArgs());
    expect(run.stderr).not.toContain('error:');
    expect(run.code).toBe(exitCodes.ok);
    const report = JSON.parse(run.stdout) as { strategies: { answered: number }[] };
    expect(report.strategies.map((row) => row.answered)).toEqual([6, 6, 6, 6, 6]);
  });

  it('exits 1 when every reply answered nothing that could be attributed', async () => {
    mode = 'chatter';
    // A breaker that counts more such replies than the comparison asks (102 requests): it ends and
    // says what it found.
    const run = await runCli(compareArgs(['--break-after', '1000']));
    expect(run.code, run.stderr).toBe(exitCodes.incomplete);
    expect(run.stderr).toMatch(/error: no strategy of the comparison got an answer for any item/);
    expect(run.stderr).toMatch(/all 30 unanswered/);
    // The comparison itself is still printed: each strategy's row says it answered nothing.
    const report = JSON.parse(run.stdout) as { strategies: { answered: number; failed: number }[] };
    expect(report.strategies.map((row) => [row.answered, row.failed])).toEqual([
      [0, 6],
      [0, 6],
      [0, 6],
      [0, 6],
      [0, 6],
    ]);
  });

  it('exits 4 once the breaker counts 10 replies in a row that answered nothing', async () => {
    mode = 'chatter';
    const run = await runCli(compareArgs());
    expect(run.code).toBe(exitCodes.provider);
    expect(run.stderr).toMatch(
      /error: the run stopped after 10 requests \(9 answered\): the last 10 requests all got a success status with a reply that held no answer/,
    );
  });

  it('exits 4 when every call failed', async () => {
    mode = 'always-500';
    const run = await runCli(compareArgs());
    expect(run.code).toBe(exitCodes.provider);
    // Ten failed requests in a row stop the comparison before every strategy has failed alike.
    expect(run.stderr).toMatch(
      /error: the run stopped after \d+ requests \(0 answered\): the last 10 requests .*5xx/,
    );
  });
});
