import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimServer, startSimServer } from '../src/sim/serve.js';
import { loadItems } from '../src/source/load-items.js';
import { rteTask } from '../src/task/builtin-tasks.js';

/*
 * The README's library block (after `<!-- library-resume -->`) is run as written, with only the
 * package name, the data file and the store folder pointed at this checkout and a temp folder,
 * against the simulator's HTTP server standing in for OpenAI (OPENAI_BASE_URL). A first run is
 * killed with SIGKILL halfway through its calls; the same block run again resumes the journal's
 * run and gives the answers of an uninterrupted run, paying again only for the calls in flight.
 */

const repoRoot = resolve(import.meta.dirname, '..');
const dataDir = process.env.BATCHPROMPT_DATA_DIR ?? resolve(repoRoot, '../shared/data');
const dataFile = join(dataDir, 'rte.dev.jsonl');
const hasData = existsSync(dataFile);
/** The block's `concurrency`: the most calls that can be in flight at the kill. */
const concurrency = 4;

/** The README's block, pointed at this checkout, the data file and `storeDir`. */
function documentedScript(storeDir: string): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const block = /<!-- library-resume -->\n```js\n([\s\S]*?)\n```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README has no library-resume block');
  const replace = (text: string, from: string, to: string) => {
    if (!text.includes(from)) throw new Error(`the README block no longer contains ${from}`);
    return text.replace(from, to);
  };
  // The bound below is the block's own concurrency.
  replace(block, `concurrency: ${concurrency}`, '');
  let script = replace(block, "from 'batchprompt'", `from ${JSON.stringify(join(repoRoot, 'src/index.ts'))}`);
  script = replace(script, "'rte.dev.jsonl'", JSON.stringify(dataFile));
  return replace(script, "openStore('.batchprompt')", `openStore(${JSON.stringify(storeDir)})`);
}

function start(
  script: string,
  server: SimServer,
): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: repoRoot,
    env: { ...process.env, OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'sk-library-resume-test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolveDone) => {
    child.on('exit', (code) => resolveDone({ code, stdout, stderr }));
  });
  return { child, done };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolveWait) => setTimeout(resolveWait, 5));
  }
}

function answers(stdout: string): [string, unknown][] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
    .map((row) => [row.id, row.answer]);
}

describe.skipIf(!hasData)("the README's library run, killed and called again", () => {
  let server: SimServer;
  let directory: string;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'batchprompt-library-resume-'));
    const items = await loadItems(dataFile, rteTask);
    server = await startSimServer({
      task: rteTask,
      items,
      profile: 'gpt-4',
      seed: 0,
      latencyMs: 40,
      quiet: true,
    });
  });

  afterAll(async () => {
    await server?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('resumes the journal run: the same answers as a run never killed, only calls in flight paid again', async () => {
    const write = (name: string) => {
      const file = join(directory, `${name}.mts`);
      writeFileSync(file, documentedScript(join(directory, `${name}-store`)));
      return file;
    };
    const referenceScript = write('reference');
    const before = server.stats().requests;
    const reference = await start(referenceScript, server).done;
    expect(reference.stderr).toContain('resumed: false');
    expect(reference.code).toBe(0);
    const referenceRequests = server.stats().requests - before;
    const referenceAnswers = answers(reference.stdout);
    expect(referenceAnswers).toHaveLength(277);
    expect(referenceAnswers.every(([, answer]) => answer !== null)).toBe(true);
    expect(referenceRequests).toBeGreaterThan(10);

    const script = write('killed');
    const killedAt = server.stats().requests;
    const first = start(script, server);
    await waitFor(() => server.stats().requests - killedAt >= Math.floor(referenceRequests / 2), 60_000);
    first.child.kill('SIGKILL');
    expect((await first.done).code).toBeNull();

    const second = await start(script, server).done;
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('resumed: true');
    expect(answers(second.stdout)).toEqual(referenceAnswers);
    const paidAgain = server.stats().requests - killedAt - referenceRequests;
    expect(paidAgain).toBeGreaterThanOrEqual(0);
    expect(paidAgain).toBeLessThanOrEqual(concurrency);

    // A third call finds the run completed and starts a new one, whose replies all come from the store.
    const third = await start(script, server).done;
    expect(third.stderr).toContain('resumed: false, calls: 0');
    expect(answers(third.stdout)).toEqual(referenceAnswers);
  }, 240_000);
});
