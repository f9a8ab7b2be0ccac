import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../src/sim/serve.js';
import { rteTask } from '../src/task/builtin-tasks.js';
import { useTempDir } from '../src/test/temp-dir.js';
import { repoRoot, sharedDataFile } from './harness/repo-paths.js';
import { spawnNode } from './harness/spawn-cli.js';
import { startSimOn } from './harness/start-sim-on.js';
import { waitFor } from './harness/wait-for.js';

/*
 * The README's library block (after `<!-- library-resume -->`) is run as written, with only the
 * package name, the data file and the store folder pointed at this checkout and a temp folder,
 * against the simulator's HTTP server standing in for OpenAI (OPENAI_BASE_URL). A first run is
 * killed with SIGKILL halfway through its calls; the same block run again resumes the journal's
 * run and gives the answers of an uninterrupted run, paying again only for the calls in flight.
 */

const rte = sharedDataFile('rte.dev.jsonl');
const temp = useTempDir();
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
  script = replace(script, "'rte.dev.jsonl'", JSON.stringify(rte.file));
  return replace(script, "openStore('.batchprompt')", `openStore(${JSON.stringify(storeDir)})`);
}

/** Runs a script through tsx with the simulator standing in for OpenAI. */
function start(script: string, server: SimServer) {
  return spawnNode(['--import', 'tsx', script], {
    OPENAI_BASE_URL: server.url,
    OPENAI_API_KEY: 'sk-library-resume-test',
  });
}

/** `[id, answer]` of each line the block printed. */
function answers(stdout: string): [string, unknown][] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
    .map((row) => [row.id, row.answer]);
}

describe.skipIf(!rte.present)("the README's library run, killed and called again", () => {
  let server: SimServer;

  beforeAll(async () => {
    server = await startSimOn(rte.file, rteTask, { profile: 'gpt-4', latencyMs: 40 });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('resumes the journal run: the same answers as a run never killed, only calls in flight paid again', async () => {
    const write = (name: string) => {
      const file = temp(`${name}.mts`);
      writeFileSync(file, documentedScript(temp(`${name}-store`)));
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
    const half = Math.floor(referenceRequests / 2);
    await waitFor(() => server.stats().requests - killedAt >= half, `${half} requests`, 60_000);
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
