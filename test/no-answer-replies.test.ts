import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exitCodes } from '../src/cli/exit-codes.js';
import { answerEachItem } from '../src/test/answer-each-item.js';
import { chatCompletion } from '../src/test/loopback-server.js';
import { useTempDir } from '../src/test/temp-dir.js';
import { type ChatEndpoint, startChatEndpoint } from './harness/chat-endpoint.js';
import { cliFlags } from './harness/cli-flags.js';
import { itemRows, parityItems, writeJsonl } from './harness/data-files.js';
import { runCli } from './harness/run-cli.js';
import { useEnvironment } from './harness/use-environment.js';

/*
 * An endpoint that answers every call with a success status and a well-formed body whose text holds
 * no answer (a refusal in words, a model that ignores the format) is stopped by the run-level
 * breaker, as one failing every call is: it used to be asked again call after call, round after
 * round (231 requests for 200 rows), and the run ended as merely incomplete.
 */

const temp = useTempDir();
const dataFile = writeJsonl(temp('data.jsonl'), itemRows(parityItems(64)));

let mode: 'no-answer' | 'answer' = 'no-answer';
let server: ChatEndpoint;
useEnvironment({ BATCHPROMPT_API_KEY: 'sk-test-no-answer-0123456789' });

beforeEach(async () => {
  server = await startChatEndpoint((request) => ({
    status: 200,
    body: chatCompletion(
      mode === 'answer'
        ? answerEachItem(request, () => ({ answer: 'yes', sure: true }))
        : 'I am sorry, but I cannot help with that request.',
    ),
  }));
});

afterEach(async () => {
  await server.close();
});

function runArgs(store: string, extra: Record<string, string | number | boolean> = {}): string[] {
  return [
    'run',
    ...cliFlags({
      task: 'boolq',
      data: dataFile,
      model: 'openai-compatible:test-model',
      'base-url': server.origin,
      'label-field': 'label',
      format: 'lines',
      strategy: 'bpe',
      rounds: 3,
      'batch-size': 8,
      concurrency: 1,
      'store-dir': store,
      out: `${store}.jsonl`,
      json: true,
      quiet: true,
      ...extra,
    }),
  ];
}

describe('a model that answers every call without an answer', () => {
  it('is stopped by the breaker after --break-after replies, with exit 4 and the reason, and the same command resumes once it answers', async () => {
    const store = temp('store');
    const stopped = await runCli(runArgs(store));
    expect(stopped.code, stopped.stderr).toBe(exitCodes.provider);
    expect(server.chatCalls()).toHaveLength(10);
    expect(stopped.stderr).toMatch(
      /the last 10 requests all got a success status with a reply that held no answer .*no answer in the reply \(it began "I am sorry, but I cannot help/,
    );

    // The count is a flag.
    const sooner = await runCli(runArgs(temp('store-sooner'), { 'break-after': 3 }));
    expect(sooner.code).toBe(exitCodes.provider);
    expect(server.chatCalls()).toHaveLength(13);

    mode = 'answer';
    const resumed = await runCli(runArgs(store));
    expect(resumed.code, resumed.stderr).toBe(exitCodes.ok);
    const summary = JSON.parse(resumed.stdout) as { answered: number; cacheHits: number };
    expect(summary.answered).toBe(64);
    // The replies paid for before the stop are read from the store, not asked again.
    expect(summary.cacheHits).toBe(9);
  });
});
