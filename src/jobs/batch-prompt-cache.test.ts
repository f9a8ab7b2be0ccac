import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Item } from '../engine/types.js';
import { renderBatch } from '../prompt/render-batch.js';
import { createBatchProvider } from '../providers/create-batch-provider.js';
import { startSimServer } from '../sim/serve.js';
import { rteTask } from '../task/builtin-tasks.js';
import { loadTask } from '../task/load-task.js';
import { messageParams } from './anthropic-batch-provider.js';
import { chatBody } from './openai-batch-provider.js';

/*
 * Prompt caching in the providers' batch jobs: the shared prefix is marked with `cache_control`
 * (the 1-hour cache, as Anthropic advises for batches) in a Message Batch, OpenAI's requests carry
 * the task's `prompt_cache_key`, and the cached tokens a job reports reach each outcome's usage.
 */

const guidelineTask = loadTask(
  fileURLToPath(new URL('../../examples/tasks/rte-guideline.yaml', import.meta.url)),
);

function makeItems(count: number): Item[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `pair-${index}`,
    fields: { premise: `Town ${index} built a bridge in spring.`, hypothesis: `Town ${index} has a bridge.` },
    gold: 'entailment',
  }));
}

const batchOf = (task = guidelineTask, start = 0, includeExamples = true) =>
  renderBatch(task, makeItems(48).slice(start, start + 8), {
    format: 'lines',
    tag: `cd${start}`,
    includeExamples,
  });

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('Message Batches', () => {
  it('mark exactly the end of the system message and of the worked examples, for one hour', () => {
    type Block = { text: string; cache_control?: unknown };
    const marks = (params: Record<string, unknown>) => [
      ...(params.system as Block[]).map((block) => block.cache_control),
      ...(params.messages as { content: string | Block[] }[]).map((message) =>
        typeof message.content === 'string' ? undefined : message.content.map((block) => block.cache_control),
      ),
    ];
    const hour = { type: 'ephemeral', ttl: '1h' };
    const withExamples = messageParams('claude-sonnet-4-5', { messages: batchOf().messages });
    expect(marks(withExamples)).toEqual([hour, undefined, [hour], undefined]);
    const without = messageParams('claude-sonnet-4-5', {
      messages: batchOf(guidelineTask, 8, false).messages,
    });
    expect(marks(without)).toEqual([hour, undefined]);
    // The text sent is the text rendered: marks change nothing the model reads.
    const batch = batchOf().messages;
    expect((withExamples.system as Block[])[0]!.text).toBe(batch[0]!.content);
    expect((withExamples.messages as { content: Block[] }[])[1]!.content[0]!.text).toBe(batch[2]!.content);
    expect((withExamples.messages as { content: unknown }[])[2]!.content).toBe(batch[3]!.content);
  });

  it('bill the prefix once as a cache write and then as cache reads, in the outcomes', async () => {
    const server = await startSimServer({
      task: guidelineTask,
      items: makeItems(48),
      quiet: true,
      batch: { completionDelayMs: 0 },
    });
    servers.push(server);
    const { provider } = createBatchProvider('anthropic:claude-sonnet-4-5', {
      baseUrl: server.url,
      env: { ANTHROPIC_API_KEY: 'sk-ant-test-key-0001' },
    });
    const entries = [0, 8, 16, 24, 32, 40].map((start) => ({
      customId: `c${start}`,
      request: { messages: batchOf(guidelineTask, start).messages, maxOutputTokens: 400 },
    }));
    const job = await provider.submit(entries, { jobId: 'job-1' });
    let state = job;
    while (!state.ended) state = await provider.retrieve(job.providerJobId);
    const outcomes = await provider.results(job.providerJobId);
    const usages = entries.map(({ customId }) => {
      const outcome = outcomes.find((entry) => entry.customId === customId);
      if (outcome?.reply === undefined) throw new Error(`${customId} did not succeed`);
      return outcome.reply.usage;
    });
    const writes = usages.map((usage) => usage.cacheWriteTokens ?? 0);
    const reads = usages.map((usage) => usage.cachedInputTokens ?? 0);
    expect(writes.filter((tokens) => tokens > 0)).toHaveLength(1);
    const prefix = Math.max(...writes);
    expect(prefix).toBeGreaterThan(1024);
    expect(reads.filter((tokens) => tokens === prefix)).toHaveLength(5);
    for (const usage of usages) expect(usage.inputTokens).toBeGreaterThan(prefix);
  });
});

describe("OpenAI Batch's requests", () => {
  it('carry one prompt_cache_key per task, and none to a compatible server', () => {
    const key = (messages = batchOf().messages, compatible = false) =>
      chatBody('gpt-4.1-mini', { messages }, compatible).prompt_cache_key;
    expect(key()).toMatch(/^batchprompt-[0-9a-f]{24}$/);
    expect(key(batchOf(guidelineTask, 8, false).messages)).toBe(key());
    expect(key(batchOf(rteTask).messages)).not.toBe(key());
    expect(key(batchOf().messages, true)).toBeUndefined();
  });
});
