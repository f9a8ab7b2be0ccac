import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exitCodes } from '../src/cli/exit-codes.js';
import { type SimServer, startSimServer } from '../src/sim/serve.js';
import { openStore } from '../src/store/open-store.js';
import { boolqTask } from '../src/task/builtin-tasks.js';
import { useTempDir } from '../src/test/temp-dir.js';
import { cliFlags } from './harness/cli-flags.js';
import { itemRows, writeJsonl } from './harness/data-files.js';
import { runCli } from './harness/run-cli.js';
import { type FrontReply, startFront } from './harness/start-front.js';

/*
 * A recognisable key is planted in the environment, sent to a local endpoint (the simulator's
 * OpenAI-compatible server behind a recording front, or a front that fails with 401 or 500 and
 * quotes the key in its error, as OpenAI's own 401 does), and then searched for in every file the
 * commands leave and in everything they print. The front records the Authorization header, so the
 * test fails if the key was never sent: an absent key proves nothing when it was never used.
 */

const plantedKey = 'sk-PLANTED-batchprompt-0000';
/** A fragment that survives partial masking (`sk-PLAN...0000`) as well. */
const plantedFragment = 'PLANTED-batchprompt';

type FrontMode = 'forward' | 'unauthorized' | 'server-error' | 'echo-key' | 'echo-header' | 'echo-query';

interface Front {
  url: string;
  authorizations: string[];
  /** The path and query of every request. */
  paths: string[];
  mode: FrontMode;
  close(): Promise<void>;
}

/**
 * The credential a request carried, echoed in every form a careless server or proxy could use:
 * the header as received, its base64, the base64 of its base64 part (which decodes to the token,
 * which decodes to `user:password`), the decoded `user:password`, URL-encoded, and base64 inside a
 * longer blob. Each line is `eN=<form>`, so a test can check what is left of every form.
 */
function credentialEchoLines(authorization: string): string[] {
  const token = authorization.replace(/^\S+\s+/, '');
  const decoded = authorization.startsWith('Basic ') ? Buffer.from(token, 'base64').toString('utf8') : token;
  return [
    `e1=Authorization: ${authorization}`,
    `e2=${Buffer.from(authorization).toString('base64')}`,
    `e3=${Buffer.from(token).toString('base64')}`,
    `e4=${decoded}`,
    `e5=${encodeURIComponent(authorization)}`,
    `e6=${encodeURIComponent(decoded)}`,
    `e7=${Buffer.from(`xy${authorization}z`).toString('base64')}`,
    `e8=${Buffer.from(`x${decoded}`).toString('base64url')}`,
  ];
}

/** A 200 chat reply of the simulator with `lines` added to its answer text. */
function withLines(reply: FrontReply, lines: string[]): FrontReply {
  const parsed = JSON.parse(reply.body) as { choices: { message: { content: string } }[] };
  parsed.choices[0]!.message.content += `\n${lines.join('\n')}`;
  return { status: reply.status, body: JSON.stringify(parsed) };
}

/** An endpoint that records the credential of every request, then forwards it or fails it. */
async function startKeyFront(target: SimServer): Promise<Front> {
  const front: Omit<Front, 'url' | 'close'> = { authorizations: [], paths: [], mode: 'forward' };
  const server = await startFront(target.url, async (request, forward) => {
    const authorization = String(request.headers.authorization ?? '');
    front.authorizations.push(authorization);
    front.paths.push(request.path);
    const queryKey = new URL(request.path, 'http://front').searchParams.get('key') ?? '';
    const presented = authorization.replace(/^Bearer /, '');
    if (front.mode === 'unauthorized') {
      const message = `Incorrect API key provided: ${presented}. You can find your API key at https://example.invalid/keys.`;
      return {
        status: 401,
        body: JSON.stringify({ error: { message, type: 'invalid_request_error', code: 'invalid_api_key' } }),
      };
    }
    if (front.mode === 'server-error') {
      const echoed = credentialEchoLines(authorization).join(' ');
      return {
        status: 500,
        body: JSON.stringify({
          error: { message: `upstream failed for key ${presented} (${echoed})`, type: 'server_error' },
        }),
      };
    }
    if (front.mode === 'echo-query' && queryKey === '') {
      return { status: 404, body: JSON.stringify({ error: { message: `no route ${request.path}` } }) };
    }
    const reply = await forward();
    const chat =
      reply.status >= 200 &&
      reply.status < 300 &&
      request.path.replace(/^\/v1/, '').startsWith('/chat/completions');
    if (front.mode === 'echo-header' && chat) return withLines(reply, credentialEchoLines(authorization));
    // The key of the query quoted bare and base64-encoded, its name left out.
    if (front.mode === 'echo-query' && chat) {
      return withLines(reply, [`you sent ${queryKey}`, `b64 ${Buffer.from(queryKey).toString('base64')}`]);
    }
    if (front.mode === 'echo-key' && chat) {
      // A 200 reply that answers and also echoes the credential it was sent, as written and in
      // the encodings a server might use: base64, URL-encoding, and base64 inside a longer blob.
      const credential = presented || authorization;
      return withLines(reply, [
        `your key is ${credential}`,
        `b64 ${Buffer.from(credential).toString('base64')}`,
        `blob ${Buffer.from(`xy${credential}z`).toString('base64')}`,
        `url ${encodeURIComponent(credential)}`,
      ]);
    }
    return reply;
  });
  return Object.assign(front, { url: server.url, close: server.close });
}

/** A proxy on 127.0.0.1 that notes each request's path and query and pipes it to `target` as it is. */
async function startPipe(
  target: string,
  onPath: (path: string) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const upstream = new URL(target);
  const server = createServer((request, response) => {
    const path = request.url ?? '/';
    onPath(path);
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path,
        method: request.method,
        headers: request.headers,
      },
      (reply) => {
        response.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(response);
      },
    );
    forwarded.on('error', () => response.destroy());
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function everyFile(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? everyFile(path) : [path];
  });
}

/** The ways a secret can be written: as is, and base64 at each byte offset inside a longer text. */
function encodingsOf(secret: string): string[] {
  const forms = [secret, encodeURIComponent(secret)];
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.from(`${'x'.repeat(offset)}${secret}`).toString('base64');
    forms.push(encoded.slice([0, 2, 3][offset], Math.floor((offset + secret.length) / 3) * 4));
  }
  return forms;
}

/** Files under `directory` whose bytes hold the key or its fragment, in any of the ways it could be written. */
function filesHoldingTheKey(
  directory: string,
  secrets: readonly string[] = [plantedKey, plantedFragment],
): string[] {
  const needles = secrets.flatMap(encodingsOf);
  return everyFile(directory).filter((file) => {
    const bytes = readFileSync(file);
    return needles.some(
      (needle) =>
        bytes.includes(Buffer.from(needle, 'utf8')) || bytes.includes(Buffer.from(needle, 'utf16le')),
    );
  });
}

function printedTheKey(text: string, secrets: readonly string[] = [plantedKey, plantedFragment]): boolean {
  return secrets.flatMap(encodingsOf).some((needle) => text.includes(needle));
}

/**
 * Everything `text` could be read as: itself, with its %-escapes decoded, and every base64 run in
 * it decoded (standard or URL-safe, from each of its first four characters, since a run cut out of
 * a longer text may start anywhere in a group), `depth` levels deep: the base64 of a Basic header's
 * base64 part decodes to the token, which decodes to `user:password`.
 */
function readings(text: string, depth: number): string[] {
  const unescaped = text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (escapes) => {
    try {
      return decodeURIComponent(escapes);
    } catch {
      return escapes;
    }
  });
  const found = [text, unescaped];
  if (depth === 0) return found;
  for (const run of unescaped.match(/[A-Za-z0-9+/_-]{8,}={0,2}/g) ?? []) {
    for (const skip of [0, 1, 2, 3]) {
      const decoded = Buffer.from(run.slice(skip).replaceAll('-', '+').replaceAll('_', '/'), 'base64');
      found.push(...readings(decoded.toString('latin1'), depth - 1));
    }
  }
  return found;
}

/** Files under `directory` in which `secret` can be read: raw, %-escaped, or in base64 two levels deep. */
function filesRevealing(directory: string, secret: string): string[] {
  return everyFile(directory).filter((file) => textRevealing(readFileSync(file).toString('latin1'), secret));
}

function textRevealing(text: string, secret: string): boolean {
  return readings(text, 2).some((reading) => reading.includes(secret));
}

const items = Array.from({ length: 24 }, (_, index) => ({
  id: `r${index}`,
  fields: {
    question: `is statement ${index} true`,
    passage: `Statement ${index} -- a short passage about statement ${index}.`,
  },
  gold: index % 3 !== 0,
}));

const temp = useTempDir();
let sim: SimServer;
let front: Front;
let dataFile: string;
const savedEnvironment = { ...process.env };

beforeAll(async () => {
  sim = await startSimServer({ task: boolqTask, items, quiet: true });
  front = await startKeyFront(sim);
  dataFile = writeJsonl(temp('data.jsonl'), itemRows(items));
});

afterAll(async () => {
  await front?.close();
  await sim?.close();
});

beforeEach(() => {
  process.env.OPENAI_API_KEY = plantedKey;
  process.env.BATCHPROMPT_API_KEY = plantedKey;
  front.authorizations.length = 0;
  front.paths.length = 0;
  front.mode = 'forward';
});

afterEach(() => {
  for (const name of ['OPENAI_API_KEY', 'BATCHPROMPT_API_KEY']) {
    if (savedEnvironment[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnvironment[name];
  }
});

function runArgs(directory: string, model: string, extra: string[] = []): string[] {
  return [
    'run',
    ...cliFlags({
      task: 'boolq',
      data: dataFile,
      model,
      'base-url': front.url,
      'label-field': 'label',
      format: 'lines',
      'batch-size': 8,
      'store-dir': join(directory, 'store'),
      out: join(directory, 'results.jsonl'),
      json: true,
      quiet: true,
    }),
    ...extra,
  ];
}

function expectNoKey(directory: string, printed: { stdout: string; stderr: string }): void {
  expect(front.authorizations).toContain(`Bearer ${plantedKey}`);
  expect(printedTheKey(printed.stdout)).toBe(false);
  expect(printedTheKey(printed.stderr)).toBe(false);
  expect(filesHoldingTheKey(directory)).toEqual([]);
}

describe('the planted API key', () => {
  it('is checked for in a way that finds it: the search sees a key written to a file', () => {
    const directory = temp.folder('self-check');
    writeFileSync(join(directory, 'leak.log'), `header Authorization: Bearer ${plantedKey}\n`);
    writeFileSync(join(directory, 'clean.log'), 'Authorization: Bearer [redacted]\n');
    expect(filesHoldingTheKey(directory)).toEqual([join(directory, 'leak.log')]);
  });

  for (const [model, variable] of [
    ['openai:gpt-4o-mini', 'OPENAI_API_KEY'],
    ['openai-compatible:sim-gpt-4', 'BATCHPROMPT_API_KEY'],
  ] as const) {
    it(`is sent but written nowhere by run with ${model} (key from ${variable}), nor by report on its summary`, async () => {
      const directory = temp.folder(`run-${variable}`);
      // A second connection held open keeps SQLite from checkpointing and deleting the -wal file
      // when the command closes the store, so the search below covers the WAL and SHM files too.
      const keeper = openStore(join(directory, 'store'));
      try {
        const printed = await runCli(runArgs(directory, model));
        expect(printed.code).toBe(exitCodes.ok);
        expect(JSON.parse(printed.stdout)).toMatchObject({ answered: items.length });
        const summaryFile = join(directory, 'summary.json');
        writeFileSync(summaryFile, printed.stdout);
        const report = await runCli(['report', summaryFile, '-o', join(directory, 'report.html')]);
        expect(report.code).toBe(exitCodes.ok);
        expect(everyFile(directory).map((file) => file.slice(directory.length))).toEqual(
          expect.arrayContaining(['/store/store.sqlite-wal', '/store/store.sqlite-shm', '/results.jsonl']),
        );
        expectNoKey(directory, {
          stdout: printed.stdout + report.stdout,
          stderr: printed.stderr + report.stderr,
        });
      } finally {
        keeper.close();
      }
      // What the WAL held is in the main file now; it must be clean too.
      expect(filesHoldingTheKey(directory)).toEqual([]);
    });
  }

  it('is written nowhere when a 200 reply echoes it, as is, in base64 or URL-encoded', async () => {
    front.mode = 'echo-key';
    const directory = temp.folder('run-echo');
    const keeper = openStore(join(directory, 'store'));
    try {
      const printed = await runCli(runArgs(directory, 'openai-compatible:sim-gpt-4'));
      expect(printed.code).toBe(exitCodes.ok);
      // The answers still parse: the echo comes after them.
      expect(JSON.parse(printed.stdout)).toMatchObject({ answered: items.length });
      const summaryFile = join(directory, 'summary.json');
      writeFileSync(summaryFile, printed.stdout);
      const report = await runCli(['report', summaryFile, '-o', join(directory, 'report.html')]);
      expect(report.code).toBe(exitCodes.ok);
      // The check can fail: the first reply as sent, with its echo, is in the report's sample batch.
      expect(readFileSync(join(directory, 'report.html'), 'utf8')).toContain('your key is [redacted]');
      expectNoKey(directory, {
        stdout: printed.stdout + report.stdout,
        stderr: printed.stderr + report.stderr,
      });
    } finally {
      keeper.close();
    }
    expect(filesHoldingTheKey(directory)).toEqual([]);
  });

  it('is found in no file, raw or encoded, when given as the userinfo of --base-url (sent as Basic auth) and the endpoint echoes the header in every form', async () => {
    delete process.env.BATCHPROMPT_API_KEY;
    const password = 'PLANTED-pw-Zq7xK4v9wQ256';
    const credential = `batch-user:${password}`;
    const header = `Basic ${Buffer.from(credential).toString('base64')}`;
    // The search finds the password in each form the endpoint echoes, and not once it is redacted.
    for (const line of credentialEchoLines(header)) expect(textRevealing(line, password), line).toBe(true);
    expect(textRevealing(`e2=[redacted] e3=[redacted]`, password)).toBe(false);

    front.mode = 'echo-header';
    const directory = temp.folder('run-echo-basic');
    const args = runArgs(directory, 'openai-compatible:sim-gpt-4');
    args[args.indexOf(front.url)] = front.url.replace('http://', `http://${credential}@`);
    const keeper = openStore(join(directory, 'store'));
    try {
      const printed = await runCli(args);
      expect(printed.code, printed.stderr).toBe(exitCodes.ok);
      expect(JSON.parse(printed.stdout)).toMatchObject({ answered: items.length });
      expect(front.authorizations).toContain(header);
      // Every stored reply kept its eight echo lines, each redacted whole: nothing of a form is
      // left beside the marker (before, the header's base64 kept its last group, `...NTY=`).
      const replies = keeper.database.prepare('SELECT text FROM responses').all() as { text: string }[];
      expect(replies.length).toBeGreaterThan(0);
      for (const { text } of replies) {
        const echoed = text.split('\n').filter((line) => /^e\d=/.test(line));
        expect(echoed, text).toHaveLength(8);
        for (const line of echoed) {
          expect(line.replace(/\[redacted\]|Authorization:|Basic|%20/g, '').trim(), line).toMatch(/^e\d=$/);
        }
      }
      const summaryFile = join(directory, 'summary.json');
      writeFileSync(summaryFile, printed.stdout);
      const report = await runCli(['report', summaryFile, '-o', join(directory, 'report.html')]);
      expect(report.code).toBe(exitCodes.ok);
      // The report shows the first reply as received, echo lines and all.
      expect(readFileSync(join(directory, 'report.html'), 'utf8')).toContain('e3=[redacted]');

      // The endpoint failing with every form in its error message: the message reaches the
      // results file, the password does not.
      front.mode = 'server-error';
      const failing = await runCli([
        ...args,
        '--no-cache',
        '--max-retries',
        '0',
        // One batch in one round: its failures are recorded before ten in a row would stop the run.
        ...cliFlags({
          limit: 8,
          strategy: 'batch',
          out: join(directory, 'failing.jsonl'),
        }),
      ]);
      expect(readFileSync(join(directory, 'failing.jsonl'), 'utf8')).toMatch(
        /upstream failed .*e3=\[redacted\]/,
      );
      const printedText = [printed, report, failing]
        .map((output) => output.stdout + output.stderr)
        .join('\n');
      expect(textRevealing(printedText, password)).toBe(false);
      expect(filesRevealing(directory, password)).toEqual([]);
      expect(filesRevealing(directory, credential)).toEqual([]);
    } finally {
      keeper.close();
    }
    expect(filesRevealing(directory, password)).toEqual([]);
  });

  it('is sent with every request and found in no file when given as ?key= in --base-url, and the endpoint quotes it bare', async () => {
    delete process.env.BATCHPROMPT_API_KEY;
    const queryKey = 'PLANTED-query-Vb82nQ4kLm';
    front.mode = 'echo-query';
    const directory = temp.folder('run-query-key');
    const args = runArgs(directory, 'openai-compatible:sim-gpt-4');
    args[args.indexOf(front.url)] = `${front.url}?key=${queryKey}`;
    const printed = await runCli(args);
    expect(printed.code, printed.stderr).toBe(exitCodes.ok);
    // Every request carried the query, the one that asks whether the endpoint is the simulator too.
    expect(JSON.parse(printed.stdout)).toMatchObject({ answered: items.length, simulated: true });
    const chats = front.paths.filter((path) => path.includes('/chat/completions'));
    expect(chats.length).toBeGreaterThan(0);
    for (const path of chats) expect(path).toBe(`/v1/chat/completions?key=${queryKey}`);
    // The check can fail: the stored replies hold the echo lines, with the key taken out.
    const keeper = openStore(join(directory, 'store'));
    try {
      const replies = keeper.database.prepare('SELECT text FROM responses').all() as { text: string }[];
      expect(replies.map(({ text }) => text).join('\n')).toContain('you sent [redacted]');
    } finally {
      keeper.close();
    }
    expect(printedTheKey(printed.stdout + printed.stderr, [queryKey])).toBe(false);
    expect(filesHoldingTheKey(directory, [queryKey])).toEqual([]);
  });

  it('is written nowhere when the endpoint answers 401 quoting the key', async () => {
    front.mode = 'unauthorized';
    const directory = temp.folder('run-401');
    const printed = await runCli(runArgs(directory, 'openai:gpt-4o-mini', ['--max-retries', '0']));
    // A 401 stops the run at the first call.
    expect(printed.code).toBe(exitCodes.provider);
    // The endpoint's message reached the terminal, with the key it quoted taken out.
    expect(printed.stderr).toContain('Incorrect API key provided: [redacted]');
    expectNoKey(directory, printed);
  });

  it('is written nowhere when the endpoint answers 500 quoting the key, after retries', async () => {
    front.mode = 'server-error';
    const directory = temp.folder('run-500');
    // One batch in one round: its failures are recorded before ten in a row would stop the run.
    const printed = await runCli(
      runArgs(directory, 'openai-compatible:sim-gpt-4', [
        ...cliFlags({
          'max-retries': 1,
          limit: 8,
          strategy: 'batch',
        }),
      ]),
    );
    expect(printed.code === exitCodes.ok || printed.code === exitCodes.provider).toBe(true);
    expect(front.authorizations.length).toBeGreaterThan(1);
    expect(readFileSync(join(directory, 'results.jsonl'), 'utf8')).toContain(
      'upstream failed for key [redacted]',
    );
    expectNoKey(directory, printed);
  });

  it('is sent but written nowhere by eval against the endpoint, ok or failing', async () => {
    const directory = temp.folder('eval');
    const evalArgs = (out: string) => [
      'eval',
      ...cliFlags({
        task: 'boolq',
        data: dataFile,
        model: 'openai:gpt-4o-mini',
        'base-url': front.url,
        format: 'lines',
        'batch-size': 8,
        rounds: 1,
        strategy: 'batch',
        'store-dir': join(directory, 'store'),
        out: join(directory, out),
        json: true,
      }),
    ];
    const passing = await runCli(evalArgs('eval.jsonl'));
    expect(passing.code).toBe(exitCodes.ok);
    front.mode = 'unauthorized';
    const failing = await runCli([...evalArgs('eval-failing.jsonl'), '--no-cache', '--max-retries', '0']);
    expect(`${failing.stdout}${failing.stderr}`).toMatch(/401|Incorrect API key|failed/);
    expectNoKey(directory, {
      stdout: passing.stdout + failing.stdout,
      stderr: passing.stderr + failing.stderr,
    });
  });
});

describe('the planted API key with --batch-api', () => {
  for (const [model, variable] of [
    ['openai-compatible:sim-gpt-4', 'BATCHPROMPT_API_KEY'],
    ['openai:sim-gpt-4', 'OPENAI_API_KEY'],
    ['anthropic:sim-claude', 'ANTHROPIC_API_KEY'],
  ] as const) {
    it(`is sent but written nowhere by run --batch-api with ${model}: not in the uploaded files, the job records or the downloaded results`, async () => {
      const credentials: string[] = [];
      const batchSim = await startSimServer({
        task: boolqTask,
        items,
        quiet: true,
        onRequestHeaders: (headers) =>
          credentials.push(`${headers.authorization ?? ''} ${headers['x-api-key'] ?? ''}`),
      });
      const savedAnthropicKey = process.env.ANTHROPIC_API_KEY;
      process.env[variable] = plantedKey;
      const directory = temp.folder(`batch-${variable}`);
      const keeper = openStore(join(directory, 'store'));
      try {
        const args = runArgs(directory, model, ['--batch-api', '--poll-interval-ms', '10']).map((argument) =>
          argument === front.url ? batchSim.url : argument,
        );
        const printed = await runCli(args);
        expect(printed.code, printed.stderr).toBe(exitCodes.ok);
        expect(JSON.parse(printed.stdout)).toMatchObject({ answered: items.length, batchApi: true });
        expect(credentials.some((credential) => credential.includes(plantedKey))).toBe(true);
        expect(printed.stdout + printed.stderr).not.toContain(plantedFragment);
        // The job records and downloaded results in the store, the results file: every file.
        expect(keeper.jobs.listJobs().length).toBeGreaterThan(0);
        expect(filesHoldingTheKey(directory)).toEqual([]);
        // What went to the provider and came back from it: uploaded inputs, output and error files,
        // message batch results.
        const held: string[] = [];
        const files = (await (await fetch(`${batchSim.url}/files`)).json()) as { data: { id: string }[] };
        for (const file of files.data)
          held.push(await (await fetch(`${batchSim.url}/files/${file.id}/content`)).text());
        const batches = (await (await fetch(`${batchSim.url}/messages/batches`)).json()) as {
          data: { id: string }[];
        };
        for (const batch of batches.data) {
          held.push(await (await fetch(`${batchSim.url}/messages/batches/${batch.id}/results`)).text());
        }
        expect(held.length).toBeGreaterThan(0);
        expect(held.join('\n')).toContain('custom_id');
        expect(held.join('\n')).not.toContain(plantedFragment);
      } finally {
        keeper.close();
        await batchSim.close();
        if (savedAnthropicKey === undefined) delete process.env.ANTHROPIC_API_KEY;
        else process.env.ANTHROPIC_API_KEY = savedAnthropicKey;
      }
      expect(filesHoldingTheKey(directory)).toEqual([]);
    });
  }

  it('is written nowhere by run --batch-api when given as ?key= in --base-url: not in the job records', async () => {
    delete process.env.BATCHPROMPT_API_KEY;
    const queryKey = 'PLANTED-batch-query-Rt51xWq';
    const queries: string[] = [];
    const batchSim = await startSimServer({ task: boolqTask, items, quiet: true });
    // Every request of the batch API (files, batches, results) carries the key in its query; the
    // bodies (multipart uploads too) are piped through as they are.
    const keyFront = await startPipe(batchSim.url, (path) =>
      queries.push(new URL(path, 'http://front').searchParams.get('key') ?? ''),
    );
    const directory = temp.folder('batch-query-key');
    const keeper = openStore(join(directory, 'store'));
    try {
      const args = runArgs(directory, 'openai-compatible:sim-gpt-4', [
        '--batch-api',
        '--poll-interval-ms',
        '10',
      ]).map((argument) => (argument === front.url ? `${keyFront.url}?key=${queryKey}` : argument));
      const printed = await runCli(args);
      expect(printed.code, printed.stderr).toBe(exitCodes.ok);
      expect(JSON.parse(printed.stdout)).toMatchObject({ answered: items.length, batchApi: true });
      expect(queries.length).toBeGreaterThan(0);
      expect(new Set(queries)).toEqual(new Set([queryKey]));
      // The job records name the endpoint without the key.
      const jobs = keeper.jobs.listJobs();
      expect(jobs.length).toBeGreaterThan(0);
      for (const job of jobs) expect(job.baseUrl).toBe(keyFront.url);
      expect(printedTheKey(printed.stdout + printed.stderr, [queryKey])).toBe(false);
      expect(filesHoldingTheKey(directory, [queryKey])).toEqual([]);
    } finally {
      keeper.close();
      await keyFront.close();
      await batchSim.close();
    }
    expect(filesHoldingTheKey(directory, [queryKey])).toEqual([]);
  });
});
