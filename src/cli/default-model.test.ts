import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../test/harness/run-cli.js';
import { exitCodes } from './exit-codes.js';

// node-llama-cpp absent, as after `npm ci` in a checkout or an install of the package (CI installs
// it for the local-model tests, so its absence is simulated here).
vi.mock('../models/node-llama-cpp-api.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../models/node-llama-cpp-api.js')>()),
  importNodeLlamaCppModule: () =>
    Promise.reject(
      Object.assign(new Error("Cannot find package 'node-llama-cpp'"), { code: 'ERR_MODULE_NOT_FOUND' }),
    ),
}));

const repoRoot = resolve(import.meta.dirname, '..', '..');
const data = join(repoRoot, 'examples', 'demo', 'yes-no.jsonl');
const directory = mkdtempSync(join(tmpdir(), 'batchprompt-default-model-'));
afterAll(() => rmSync(directory, { recursive: true, force: true, maxRetries: 5 }));

const saved = { ...process.env };
beforeEach(() => {
  process.env.BATCHPROMPT_MODEL_DIR = join(directory, 'models');
  delete process.env.OPENAI_API_KEY;
});
afterEach(() => {
  for (const name of ['BATCHPROMPT_MODEL_DIR', 'OPENAI_API_KEY']) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

describe('run without --model, where node-llama-cpp is not installed', () => {
  it('names the default model, what it needs, the command that installs it in this checkout, and the alternatives', async () => {
    const result = await runCli([
      'run',
      '--task',
      'boolq',
      '--data',
      data,
      '--store-dir',
      join(directory, 'store'),
    ]);
    expect(result.code).toBe(exitCodes.input);
    const message = result.stderr;
    expect(message).toContain(
      'no --model given, so run uses its default: the local model Qwen2.5-0.5B-Instruct Q4_K_M (Apache-2.0, about 0.5 GB; local:hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf)',
    );
    expect(message).toContain(`downloaded on first use into ${join(directory, 'models')}`);
    expect(message).toContain(
      'Local models need the optional package node-llama-cpp (about 700 MB), which is not installed',
    );
    // The command that works in a checkout (npm install there installs nothing the checkout uses).
    expect(message).toContain(`To install it in this checkout of batchprompt (${repoRoot}):`);
    expect(message).toMatch(/\n {2}(cd \S+ && )?bash scripts\/install-local-model\.sh\n/);
    expect(message).toContain('--model sim ');
    expect(message).toContain('--model openai:gpt-4.1-mini   with OPENAI_API_KEY set');
    expect(message).toContain('anthropic:<model> (ANTHROPIC_API_KEY)');
    expect(message).toContain('openai-compatible:<model> with --base-url');
    // Nothing was downloaded for a model that could not run.
    expect(() => readdirSync(join(directory, 'models'))).toThrow();
  });

  it('means what it says: --model sim runs, and the provider it names asks for the key it names', async () => {
    const out = join(directory, 'answers.jsonl');
    const sim = await runCli([
      ...['run', '--task', 'boolq', '--data', data, '--model', 'sim', '--label-field', 'label'],
      ...['--store-dir', join(directory, 'store'), '--out', out, '--quiet'],
    ]);
    expect(sim.code, sim.stderr).toBe(exitCodes.ok);
    const openai = await runCli([
      ...['run', '--task', 'boolq', '--data', data, '--model', 'openai:gpt-4.1-mini'],
      ...['--out', join(directory, 'openai.jsonl')],
    ]);
    expect(openai.code).toBe(exitCodes.input);
    expect(openai.stderr).toContain('OPENAI_API_KEY');
  });

  it('gives a local model named with --model the same install command, without the default-model text', async () => {
    const result = await runCli([
      ...['run', '--task', 'boolq', '--data', data, '--model', 'local:hf:owner/repo/model.gguf'],
      ...['--store-dir', join(directory, 'store')],
    ]);
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toContain('bash scripts/install-local-model.sh');
    expect(result.stderr).toContain(`in this checkout of batchprompt (${repoRoot})`);
    expect(result.stderr).not.toContain('no --model given');
  });
});
