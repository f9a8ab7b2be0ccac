import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { batchPrompt } from '../engine/batch-prompt.js';
import { createModel } from '../providers/create-model.js';
import { loadItems } from '../source/load-items.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { createSimModel } from './create-sim-model.js';
import { startSimServer } from './serve.js';

const demoFile = fileURLToPath(new URL('../../examples/demo/yes-no.jsonl', import.meta.url));

it('gives a whole BPE run over HTTP (openai-compatible adapter) the answers and usage of the in-process model', async () => {
  const items = await loadItems(demoFile, boolqTask);
  const server = await startSimServer({ task: boolqTask, items, seed: 2, quiet: true });
  try {
    const overHttp = createModel('openai-compatible:sim', { baseUrl: server.url, env: {} });
    const inProcess = createSimModel({ task: boolqTask, items, seed: 2 });
    const options = { task: boolqTask, items, batchSize: 16, rounds: 3, strategy: 'bpe' as const };
    const remote = await batchPrompt({ ...options, model: overHttp });
    const local = await batchPrompt({ ...options, model: inProcess });
    expect(remote.results.map((result) => result.votes)).toEqual(local.results.map((result) => result.votes));
    expect(remote.summary.calls).toBe(local.summary.calls);
    expect(remote.summary.inputTokens).toBe(local.summary.inputTokens);
    expect(remote.summary.outputTokens).toBe(local.summary.outputTokens);
    expect(remote.summary.usageEstimated).toBe(false);
  } finally {
    await server.close();
  }
});
