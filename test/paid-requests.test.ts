import { writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../src/cli/exit-codes.js';
import { type SimServer, startSimServer } from '../src/sim/serve.js';
import { loadItems } from '../src/source/load-items.js';
import { useTempDir } from '../src/test/temp-dir.js';
import { writeJsonl } from './harness/data-files.js';
import { runCli } from './harness/run-cli.js';

/*
 * Every request that reaches the server is counted and priced, and a run that only meets one
 * kind of failure stops: the command line against a proxy on 127.0.0.1 in front of the
 * simulator's HTTP server, the proxy rewriting the replies the way misbehaving endpoints and
 * proxies do (usage blanked or turned to text, bodies cut, every call refused or failed).
 */

type Mode =
  | 'honest'
  | 'zero-usage'
  | 'one-token-usage'
  | 'text-usage'
  | 'malformed'
  | 'some-malformed'
  | 'refuse-400'
  | 'fail-500'
  | 'hold-first';

const temp = useTempDir();
const dataFile = writeJsonl(
  temp('data.jsonl'),
  Array.from({ length: 64 }, (_, index) => ({
    id: `row-${index}`,
    question: `is ${index} an even number`,
    passage: `The number ${index} is ${index % 2 === 0 ? 'even' : 'odd'}; it comes after ${index - 1}.`,
    label: index % 2 === 0,
  })),
);
const pricesFile = temp('prices.json');
writeFileSync(pricesFile, JSON.stringify({ 'openai-compatible:test-model': { input: 2.5, output: 10 } }));

let sim: SimServer;
let proxy: Server;
let proxyUrl = '';
let mode: Mode = 'honest';
/**
 * Chat requests that reached the proxy (model listings are not requests), by the key they carry:
 * each run has a key of its own, so that a request a stopped run had already sent, arriving late,
 * counts for that run and not the next.
 */
const posts = new Map<string, number>();
/** Requests the proxy is still answering: a run's count is read once none is. */
let open = 0;
let idle: (() => void) | undefined;
/** Success replies rewritten in this mode, for `some-malformed`, which cuts every third. */
let successes = 0;
/** `hold-first` answers a run's first chat request never (until the run hangs up), the rest 400. */
let holding = false;

/** The simulator's reply as the mode rewrites it: status and body. */
function rewrite(status: number, body: string): { status: number; body: string } {
  if (mode === 'refuse-400' || mode === 'hold-first')
    return { status: 400, body: JSON.stringify({ error: { message: 'the request is not valid' } }) };
  if (mode === 'fail-500')
    return { status: 500, body: JSON.stringify({ error: { message: 'upstream failed' } }) };
  if (status !== 200 || mode === 'honest') return { status, body };
  successes += 1;
  if (mode === 'malformed' || (mode === 'some-malformed' && successes % 3 === 0))
    return { status, body: body.slice(0, Math.floor(body.length / 2)) };
  if (mode === 'some-malformed') return { status, body };
  const reply = JSON.parse(body) as { usage: Record<string, unknown> };
  // Every count as text, those inside `prompt_tokens_details` (cached tokens) included.
  const asText = (value: unknown): unknown =>
    typeof value === 'object' && value !== null
      ? Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, asText(inner)]))
      : String(value);
  reply.usage =
    mode === 'zero-usage'
      ? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
      : mode === 'one-token-usage'
        ? { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }
        : (asText(reply.usage) as Record<string, unknown>);
  return { status, body: JSON.stringify(reply) };
}

beforeAll(async () => {
  const { boolqTask } = await import('../src/task/builtin-tasks.js');
  const items = await loadItems(dataFile, boolqTask, { labelField: 'label' });
  sim = await startSimServer({ task: boolqTask, items, seed: 0, quiet: true });
  const upstream = new URL(sim.url);
  proxy = createServer(async (incoming, response) => {
    open += 1;
    response.on('close', () => {
      open -= 1;
      if (open === 0) idle?.();
    });
    const key = String(incoming.headers.authorization);
    if (incoming.method === 'POST') posts.set(key, (posts.get(key) ?? 0) + 1);
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    if (mode === 'hold-first' && incoming.method === 'POST' && !holding) {
      holding = true;
      return;
    }
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: incoming.url,
        method: incoming.method,
        headers: incoming.headers,
      },
      async (reply) => {
        const parts: Buffer[] = [];
        for await (const part of reply) parts.push(part as Buffer);
        const body = Buffer.concat(parts).toString('utf8');
        const sent =
          incoming.method === 'POST'
            ? rewrite(reply.statusCode ?? 500, body)
            : { status: reply.statusCode ?? 500, body };
        response.writeHead(sent.status, { 'content-type': 'application/json' });
        response.end(sent.body);
      },
    );
    forwarded.end(Buffer.concat(chunks));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/v1`;
});

const savedKey = process.env.BATCHPROMPT_API_KEY;
afterAll(async () => {
  if (savedKey === undefined) delete process.env.BATCHPROMPT_API_KEY;
  else process.env.BATCHPROMPT_API_KEY = savedKey;
  await new Promise<void>((resolve) => {
    proxy.closeAllConnections();
    proxy.close(() => resolve());
  });
  await sim.close();
});

let stores = 0;

/**
 * Runs the command line (`run`, or `eval` for `command`) through the proxy in `runMode`; returns
 * its exit, output and the requests it made. `--json --quiet` unless `text`.
 */
async function runThrough(
  runMode: Mode,
  extra: string[] = [],
  { command = 'run', text = false }: { command?: 'run' | 'eval'; text?: boolean } = {},
) {
  mode = runMode;
  successes = 0;
  holding = false;
  stores += 1;
  const key = `sk-paid-requests-run-${stores}`;
  process.env.BATCHPROMPT_API_KEY = key;
  const ran = await runCli([
    command,
    '--task',
    'boolq',
    '--data',
    dataFile,
    '--label-field',
    'label',
    '--model',
    'openai-compatible:test-model',
    '--base-url',
    proxyUrl,
    '--prices',
    pricesFile,
    '--strategy',
    'bpe',
    '--rounds',
    '2',
    '--batch-size',
    '8',
    '--store-dir',
    temp(`store-${stores}`),
    ...(text ? [] : ['--json', '--quiet']),
    ...(command === 'run' ? ['--yes'] : []),
    ...extra,
  ]);
  // Requests the run sent before it stopped are answered before they are counted.
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (open > 0) await new Promise<void>((resolve) => (idle = resolve));
  return { ...ran, posts: posts.get(`Bearer ${key}`) ?? 0 };
}

interface Summary {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  estimatedCostUsd: number;
  requests: { sent: number; answered: number; failed: number; billedFailed: number; countedLocally: number };
}

describe('usage a server reports', () => {
  it('blanked to 0, or cut to 1 token a call, stops a run at --max-cost after as many requests as honest usage does', async () => {
    const honest = await runThrough('honest', ['--concurrency', '1']);
    expect(honest.code).toBe(exitCodes.ok);
    const full = JSON.parse(honest.stdout) as Summary;
    expect(full.requests).toMatchObject({
      sent: honest.posts,
      answered: honest.posts,
      failed: 0,
      countedLocally: 0,
    });
    // A budget of half the whole run's cost stops the honest run part way, and the blanked one alike.
    const budget = (full.estimatedCostUsd / 2).toFixed(4);
    const cappedHonest = await runThrough('honest', ['--concurrency', '1', '--max-cost', budget]);
    const cappedZero = await runThrough('zero-usage', ['--concurrency', '1', '--max-cost', budget]);
    const cappedOne = await runThrough('one-token-usage', ['--concurrency', '1', '--max-cost', budget]);
    expect(cappedHonest.code).toBe(exitCodes.budget);
    expect(cappedZero.code).toBe(exitCodes.budget);
    expect(cappedOne.code).toBe(exitCodes.budget);
    expect(cappedHonest.posts).toBeGreaterThan(0);
    expect(cappedHonest.posts).toBeLessThan(honest.posts);
    expect(cappedZero.posts).toBe(cappedHonest.posts);
    expect(cappedOne.posts).toBe(cappedHonest.posts);
  }, 120_000);

  it('given as text is counted locally, marked so in the summary, and the answers are kept', async () => {
    const honest = JSON.parse((await runThrough('honest')).stdout) as Summary;
    const text = await runThrough('text-usage');
    expect(text.code).toBe(exitCodes.ok);
    const summary = JSON.parse(text.stdout) as Summary & { answered: number };
    expect(summary.answered).toBe(64);
    expect(summary.requests).toMatchObject({
      sent: text.posts,
      answered: text.posts,
      countedLocally: text.posts,
    });
    // The simulator counts with the same o200k tokenizer, so the local counts are its own figures.
    expect(summary.inputTokens).toBe(honest.inputTokens);
    expect(summary.outputTokens).toBe(honest.outputTokens);
    expect(text.stderr).toContain('holds no count in usage.prompt_tokens');
  }, 120_000);
});

describe('replies that cannot be used', () => {
  it('are billed: with every body cut in half, a budget the honest run fits in stops the run within 16 requests, the replies counted', async () => {
    const honest = await runThrough('honest');
    expect(honest.code).toBe(exitCodes.ok);
    const budget = (JSON.parse(honest.stdout) as Summary).estimatedCostUsd.toFixed(4);
    const cut = await runThrough('malformed', ['--max-cost', budget]);
    expect([exitCodes.budget, exitCodes.provider]).toContain(cut.code);
    expect(cut.posts).toBeGreaterThan(0);
    expect(cut.posts).toBeLessThanOrEqual(16);
    if (cut.code === exitCodes.budget) {
      // The replies received were billed: the budget message counts them, at a cost above zero.
      // Requests under way when the budget was reached are let finish, but the breaker may trip on
      // one of them, and the run it stops gives up the others (test/budget-stop.test.ts checks
      // that a budget stop alone counts every request sent).
      const stop = /(\d+) call\(s\) made for \$(\d+\.\d+)/.exec(cut.stderr);
      expect(Number(stop?.[1])).toBeGreaterThan(0);
      expect(Number(stop?.[1])).toBeLessThanOrEqual(cut.posts);
      expect(Number(stop?.[2])).toBeGreaterThan(0);
    }
  }, 120_000);

  it('stop the run by the breaker without a budget: exit 4, naming the failure and the count', async () => {
    const cut = await runThrough('malformed', ['--concurrency', '1']);
    expect(cut.code).toBe(exitCodes.provider);
    expect(cut.posts).toBe(10);
    expect(cut.stderr).toMatch(
      /the last 10 requests .*all got a success status with a body that could not be used/,
    );
    // The count is a flag.
    const sooner = await runThrough('malformed', ['--concurrency', '1', '--break-after', '4']);
    expect(sooner.code).toBe(exitCodes.provider);
    expect(sooner.posts).toBe(4);
    expect(sooner.stderr).toMatch(/the last 4 requests .*all got a success status/);
  }, 120_000);
});

describe('requests under way when the breaker stops the run', () => {
  it('are counted as sent and billed for their prompts, in the message that ends the run', async () => {
    // Two calls go at once: the first is never answered, and the other slot meets three 400s in a
    // row (the second call, then its halves), which trip the breaker while the first is under way.
    const stopped = await runThrough('hold-first', [
      '--limit',
      '8',
      '--batch-size',
      '4',
      '--concurrency',
      '2',
      '--break-after',
      '3',
    ]);
    expect(stopped.code, stopped.stderr).toBe(exitCodes.provider);
    expect(stopped.posts).toBe(4);
    expect(stopped.stderr).toMatch(/the last 3 requests .*all were refused with a 4xx status/);
    const told =
      /In all, requests sent \/ answered \/ failed: (\d+) \/ 0 \/ (\d+) \(1 billed, 1 of them abandoned under way when the run stopped \(prompts counted, no output received\): (\d+) \/ 0 tokens, \$(\d+\.\d+), counted in calls, tokens and cost\)/.exec(
        stopped.stderr,
      );
    expect(told, stopped.stderr).not.toBeNull();
    const [, sent, failed, promptTokens, dollars] = told!.map(Number);
    expect([sent, failed]).toEqual([stopped.posts, stopped.posts]);
    // Four of the eight rows' questions and passages, and the instructions: some hundreds of tokens.
    expect(promptTokens).toBeGreaterThan(100);
    // At $2.50 per million input tokens.
    expect(dollars).toBeCloseTo((promptTokens! * 2.5) / 1e6, 4);
  }, 120_000);
});

describe('billed failures in eval', () => {
  it('are shown as run shows them: counted in calls, tokens and dollars, in the JSON, the text and the progress line', async () => {
    // One call at a time, so that the same requests are cut in both commands.
    const ran = await runThrough('some-malformed', ['--concurrency', '1']);
    expect(ran.code, ran.stderr).toBe(exitCodes.ok);
    const run = JSON.parse(ran.stdout) as Summary & { requests: { failedCostUsd: number } };
    expect(run.requests.billedFailed).toBeGreaterThan(0);

    const evaluated = await runThrough('some-malformed', ['--concurrency', '1'], { command: 'eval' });
    expect(evaluated.code, evaluated.stderr).toBe(exitCodes.ok);
    const [row] = (
      JSON.parse(evaluated.stdout) as {
        strategies: { calls: number; inputTokens: number; requests: unknown }[];
      }
    ).strategies;
    expect(row!.requests).toEqual(run.requests);
    expect(row!.requests).toMatchObject({ sent: evaluated.posts });
    expect({ calls: row!.calls, inputTokens: row!.inputTokens }).toEqual({
      calls: run.calls,
      inputTokens: run.inputTokens,
    });

    const text = await runThrough('some-malformed', ['--concurrency', '1'], { command: 'eval', text: true });
    expect(text.code, text.stderr).toBe(exitCodes.ok);
    const { sent, answered, failed, billedFailed } = run.requests as unknown as Record<string, number>;
    expect(text.stdout).toContain(
      `requests sent / answered / failed: ${sent} / ${answered} / ${failed} (${billedFailed} billed: `,
    );
    expect(text.stdout).toContain(
      `$${run.requests.failedCostUsd.toFixed(4)}, counted in calls, tokens and cost`,
    );
    expect(text.stderr).toMatch(
      new RegExp(`progress: .*requests ${sent} \\(${failed} failed, ${billedFailed} billed\\)`),
    );
  }, 120_000);
});

describe('an endpoint that fails every request', () => {
  it('refusing with 400 stops the run with exit 4 within 30 requests', async () => {
    const refused = await runThrough('refuse-400');
    expect(refused.code).toBe(exitCodes.provider);
    expect(refused.posts).toBeGreaterThanOrEqual(10);
    expect(refused.posts).toBeLessThanOrEqual(30);
    expect(refused.stderr).toMatch(/the last 10 requests .*all were refused with a 4xx status/);
  }, 120_000);

  it('answering 500 stops a run of 8 rows after 10 requests or so, the retries included', async () => {
    const failed = await runThrough('fail-500', ['--limit', '8']);
    expect(failed.code).toBe(exitCodes.provider);
    // The breaker's ten, and at most one more call that was under way beside them.
    expect(failed.posts).toBeGreaterThanOrEqual(10);
    expect(failed.posts).toBeLessThanOrEqual(11);
    expect(failed.stderr).toMatch(/the last 10 requests .*all failed with a 5xx status/);
  }, 180_000);
});
