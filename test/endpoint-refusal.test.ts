import { createServer } from 'node:net';
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
 * A dead or refusing endpoint stops the run at once with exit code 4 and a message naming the
 * endpoint and the cause, never the key; the replies already received stay in the store.
 */

const plantedKey = 'sk-test-refusal-0123456789abcdef';
const temp = useTempDir();
const dataFile = writeJsonl(
  temp('data.jsonl'),
  Array.from({ length: 8 }, (_, index) => ({
    id: `row-${index}`,
    question: `is ${index} even`,
    passage: `number ${index}`,
    label: index % 2 === 0,
  })),
);

type Mode = 'answer' | 'first-then-401' | 'always-500';
let mode: Mode = 'answer';
let server: ChatEndpoint;
useEnvironment({ BATCHPROMPT_API_KEY: plantedKey });

beforeEach(async () => {
  server = await startChatEndpoint((request, callsBefore) => {
    if (mode === 'answer' || (mode === 'first-then-401' && callsBefore === 0)) {
      // Every item of the batch `yes`, in the format the prompt asks for.
      return {
        status: 200,
        body: chatCompletion(answerEachItem(request, () => ({ answer: 'yes', sure: true }))),
      };
    }
    if (mode === 'always-500') return upstreamFailure;
    return {
      status: 401,
      body: {
        error: { message: `Incorrect API key provided: ${plantedKey}`, type: 'invalid_request_error' },
      },
    };
  });
});

afterEach(async () => {
  await server.close();
});

function runArgs(baseUrl: string, store: string, extra: string[] = []): string[] {
  return [
    'run',
    ...cliFlags({
      task: 'boolq',
      data: dataFile,
      model: 'openai-compatible:test-model',
      'base-url': baseUrl,
      'label-field': 'label',
      format: 'lines',
      strategy: 'bpe',
      rounds: 3,
      'batch-size': 4,
      concurrency: 1,
      'store-dir': store,
      json: true,
      quiet: true,
    }),
    ...extra,
  ];
}

/** A port on 127.0.0.1 that nothing listens on: taken from the system, then given back. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('run against an endpoint that refuses the run', () => {
  it('stops at the first 401 with exit 4, names the endpoint and the cause but not the key, and keeps the reply already paid for', async () => {
    mode = 'first-then-401';
    const store = temp('store-401');
    const started = performance.now();
    const refused = await runCli(runArgs(server.origin, store));
    const elapsed = performance.now() - started;
    expect(refused.code).toBe(exitCodes.provider);
    // The count of calls below is the proof; the time only has to rule out rounds of backoff,
    // generously: the run took 11 s on this machine while slow suites ran beside it.
    expect(elapsed).toBeLessThan(60_000);
    expect(refused.stderr).toContain(
      `the model endpoint at ${server.origin}/chat/completions refused the run`,
    );
    expect(refused.stderr).toContain('401: the API key is missing or wrong');
    expect(refused.stderr).toContain('Incorrect API key provided: [redacted]');
    expect(`${refused.stdout}${refused.stderr}`).not.toContain(plantedKey);
    // One reply, then one refused call: nothing was asked again after the refusal.
    expect(server.chatCalls()).toHaveLength(2);

    // Once the endpoint answers, the same command resumes: the first batch comes from the store.
    mode = 'answer';
    const requestsBefore = server.chatCalls().length;
    const resumed = await runCli(runArgs(server.origin, store));
    expect(resumed.code).toBe(exitCodes.ok);
    const summary = JSON.parse(resumed.stdout) as { answered: number; cacheHits: number; calls: number };
    expect(summary.answered).toBe(8);
    expect(summary.cacheHits).toBeGreaterThanOrEqual(1);
    expect(server.chatCalls().length - requestsBefore).toBe(summary.calls);
  });

  it('stops at once with exit 4 when nothing listens at the address', async () => {
    const port = await closedPort();
    const started = performance.now();
    const refused = await runCli(
      runArgs(`http://127.0.0.1:${port}`, temp('store-closed'), ['--max-retries', '5']),
    );
    const elapsed = performance.now() - started;
    expect(refused.code).toBe(exitCodes.provider);
    // Generous for a loaded machine; the absence of "retrying in" below is the proof.
    expect(elapsed).toBeLessThan(60_000);
    expect(refused.stderr).toContain(
      `the model endpoint at http://127.0.0.1:${port}/chat/completions refused the run`,
    );
    expect(refused.stderr).toMatch(/connection refused, ECONNREFUSED/);
    // No retry was made: the scheduler would have said so on stderr.
    expect(refused.stderr).not.toContain('retrying in');
  });

  it('never exits 0 when every call failed with retryable errors, and says on stderr that it retried', async () => {
    mode = 'always-500';
    const refused = await runCli(
      // Four rows take fewer requests than the run-level breaker allows in a row (see paid-requests.test.ts).
      runArgs(server.origin, temp('store-500'), [
        '--strategy',
        'batch',
        '--max-retries',
        '1',
        '--no-cache',
        '--limit',
        '4',
      ]),
    );
    expect(refused.code).toBe(exitCodes.provider);
    expect(refused.stderr).toMatch(
      /warning: openai-compatible:test-model: attempt 1 failed \(.*500.*\); retrying in \d/,
    );
    expect(refused.stderr).toContain('error: no item got an answer: 4 failed');
    expect(JSON.parse(refused.stdout)).toMatchObject({ answered: 0, failed: 4 });
  });
});
