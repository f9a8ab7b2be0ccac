import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../test/harness/run-cli.js';

/* `batchprompt sim serve` as a user starts it: a process that serves until Ctrl-C. */

const repoRoot = resolve(import.meta.dirname, '../../..');
const demoFile = resolve(repoRoot, 'examples/demo/yes-no.jsonl');

describe('batchprompt sim serve', () => {
  it('serves the OpenAI API on a free port, says it is simulated, and stops cleanly on Ctrl-C', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/dev-cli.ts',
        'sim',
        'serve',
        '--task',
        'boolq',
        '--data',
        demoFile,
        '--port',
        '0',
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
    const started = Date.now();
    while (!/at (http:\/\/127\.0\.0\.1:\d+\/v1)/.test(stdout)) {
      // Generous: tsx compiles the command line first, which takes long on a loaded machine.
      if (Date.now() - started > 120_000) throw new Error(`the server did not start: ${stderr}`);
      await new Promise((resolveWait) => setTimeout(resolveWait, 20));
    }
    const url = /at (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(stdout)![1]!;
    expect(stdout).toContain('simulated model sim:gpt-4 (not a real LLM) serving 64 boolq items');

    const models = (await (await fetch(`${url}/models`)).json()) as { data: { owned_by: string }[] };
    expect(models.data[0]?.owned_by).toBe('batchprompt-simulator');
    const ask = (passage: string) =>
      fetch(`${url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'sim',
          messages: [
            { role: 'system', content: 'Answer yes or no.' },
            { role: 'user', content: `Input 0 (abcd)\nquestion: can ostriches fly\npassage: ${passage}` },
          ],
        }),
      });
    // An item of the data file, which the simulator knows with its gold label.
    const known = JSON.parse(readFileSync(demoFile, 'utf8').split('\n')[1]!) as { passage: string };
    const completion = await ask(known.passage);
    expect(completion.status).toBe(200);
    const body = (await completion.json()) as {
      choices: { message: { content: string } }[];
      usage: { prompt_tokens: number };
    };
    expect(body.choices[0]?.message.content).toMatch(/^0 \(abcd\): (yes|no) (sure|unsure)$/m);
    expect(body.usage.prompt_tokens).toBeGreaterThan(10);

    // An item it has no gold label for is refused, not guessed: 400, so that no client retries it.
    const stranger = await ask('Ostrich -- a large bird.');
    expect(stranger.status).toBe(400);
    const refusal = (await stranger.json()) as { error: { message: string; type: string } };
    expect(refusal.error.type).toBe('invalid_request_error');
    expect(refusal.error.message).toMatch(
      /the simulated model has no gold answer for input 0 of the batch \(an item not in its data\); it answers only items with gold labels/,
    );

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toContain('"stopped":true');
    // One log line per request, as the issue asks.
    expect(stderr).toMatch(/POST \/v1\/chat\/completions 200/);
  }, 180_000);
});

describe('batchprompt sim serve on a busy port', () => {
  it('says the port is in use and exits 2, not an internal error', async () => {
    const holder = createServer();
    await new Promise<void>((resolveListen) => holder.listen(0, '127.0.0.1', resolveListen));
    const port = (holder.address() as { port: number }).port;
    try {
      const result = await runCli([
        'sim',
        'serve',
        '--task',
        'boolq',
        '--data',
        demoFile,
        '--port',
        String(port),
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`cannot listen on 127.0.0.1:${port}: the port is in use`);
      expect(result.stderr).not.toContain('internal error');
      expect(result.stdout).toBe('');
    } finally {
      await new Promise<void>((resolveClose) => holder.close(() => resolveClose()));
    }
  });
});
