/**
 * Local model throughput: prompt processing and generation, in tokens per second, through the
 * `local:` adapter (node-llama-cpp, grammar-constrained JSON replies as in a batch run) at 1 and at
 * N parallel sequences, on a tiny random GGUF model written on the spot (no weights to download).
 * The tiny model measures the adapter and llama.cpp's per-token overhead, not a real model's speed.
 *
 *   npx tsx bench/local-model.ts [--sequences 4] [--threads 1] [--embedding 64] [--blocks 2]
 *     [--answers 24] [--json] [--write]
 *
 * `--write` puts the figures in the "Local model" section of BENCHMARKS.md.
 *
 * Prompt tokens/s: calls on fresh sequences, each evaluating a whole boolq batch prompt, all
 * sequences at once. Generation tokens/s: calls whose prompt is already cached, each generating a
 * JSON reply of `--answers` entries (~40 tokens each with the byte-level test vocabulary).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLocalModel } from '../src/models/local-model.js';
import { renderBatch } from '../src/prompt/render-batch.js';
import type { GenerateRequest } from '../src/spec/chat-model.js';
import { boolqTask } from '../src/task/builtin-tasks.js';
import { pinAnswerCount } from '../src/test/pin-answer-count.js';
import { writeTinyGguf } from '../src/test/write-tiny-gguf.js';
import { writeOwnedSection } from './owned-section.js';

interface Measurement {
  sequences: number;
  promptTokensPerSecond: number;
  generatedTokensPerSecond: number;
  promptTokens: number;
  generatedTokens: number;
}

const { values } = parseArgs({
  options: {
    sequences: { type: 'string', default: '4' },
    threads: { type: 'string', default: '1' },
    embedding: { type: 'string', default: '64' },
    blocks: { type: 'string', default: '2' },
    answers: { type: 'string', default: '24' },
    json: { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
  },
});
const parallel = Number(values.sequences);
const threads = Number(values.threads);
const answers = Number(values.answers);

/** A boolq batch of 4 items; `variant` changes the items so that no two calls share their tail. */
function request(variant: number, answerCount: number): GenerateRequest {
  const entries = Array.from({ length: 4 }, (_, index) => ({
    fields: {
      question: `is claim ${variant}-${index} supported`,
      passage: `Claim ${variant}-${index} -- a short passage of about twenty words that bears on the claim and says it holds.`,
    },
  }));
  const batch = renderBatch(boolqTask, entries, { format: 'json', tag: `b${variant}` });
  if (batch.responseFormat.type !== 'json') throw new Error('expected a JSON response format');
  return {
    messages: batch.messages,
    responseFormat: {
      ...batch.responseFormat,
      schema: pinAnswerCount(batch.responseFormat.schema, answerCount, batch.tag),
    },
  };
}

async function measure(modelPath: string, sequences: number): Promise<Measurement> {
  const model = createLocalModel({ modelPath, gpu: false, threads, parallelSequences: sequences });
  try {
    await model.load();
    // Warm-up with a prompt that shares nothing with the measured ones, so their prompts are all
    // evaluated in full.
    await model.generate({ messages: [{ role: 'user', content: 'warm up' }], maxOutputTokens: 1 });
    // Prompt processing: one fresh prompt per sequence, evaluated together, one reply token each.
    let started = performance.now();
    const prompts = await Promise.all(
      Array.from({ length: sequences }, (_, index) =>
        model.generate({ ...request(1000 + index, 1), maxOutputTokens: 1 }),
      ),
    );
    const promptSeconds = (performance.now() - started) / 1000;
    const promptTokens = prompts.reduce(
      (sum, result) => sum + result.usage.inputTokens - (result.usage.cachedInputTokens ?? 0),
      0,
    );
    // Generation: the same prompts again (now cached), each with a long reply.
    started = performance.now();
    const replies = await Promise.all(
      Array.from({ length: sequences }, (_, index) => model.generate(request(1000 + index, answers))),
    );
    const generationSeconds = (performance.now() - started) / 1000;
    const generatedTokens = replies.reduce((sum, result) => sum + result.usage.outputTokens, 0);
    return {
      sequences,
      promptTokens,
      generatedTokens,
      promptTokensPerSecond: promptTokens / promptSeconds,
      generatedTokensPerSecond: generatedTokens / generationSeconds,
    };
  } finally {
    await model.dispose();
  }
}

const directory = await mkdtemp(join(tmpdir(), 'batchprompt-bench-local-'));
try {
  const tiny = await writeTinyGguf(join(directory, 'tiny.gguf'), {
    embeddingLength: Number(values.embedding),
    blockCount: Number(values.blocks),
  });
  const rows: Measurement[] = [];
  for (const sequences of [...new Set([1, parallel])]) rows.push(await measure(tiny.path, sequences));
  const setup = {
    model: `tiny random llama: ${tiny.parameterCount} parameters, embedding ${values.embedding}, ${values.blocks} blocks, vocabulary ${tiny.vocabularySize} (byte-level), f32`,
    threads,
    cpu: `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`,
    answersPerReply: answers,
  };
  if (values.write) {
    const command = `npx tsx bench/local-model.ts --sequences ${parallel} --threads ${threads} --embedding ${values.embedding} --blocks ${values.blocks} --answers ${answers}`;
    writeOwnedSection('Local model', [
      `Throughput of the \`local:\` adapter (node-llama-cpp 3.21.1, grammar-constrained JSON replies as in a batch run) on a ${setup.model}, written on the spot: no weights can be downloaded here, so this measures the adapter and llama.cpp's per-token overhead, not a real model's speed. ${threads} thread(s); ${setup.cpu}; CPU only.`,
      '',
      '| parallel sequences | prompt tokens/s | generated tokens/s | prompt tokens | generated tokens |',
      '| --- | --- | --- | --- | --- |',
      ...rows.map(
        (row) =>
          `| ${row.sequences} | ${row.promptTokensPerSecond.toFixed(0)} | ${row.generatedTokensPerSecond.toFixed(0)} | ${row.promptTokens} | ${row.generatedTokens} |`,
      ),
      '',
      `Reproduce: \`${command} --write\`. No real small model was at hand on this machine (no network), so there is no figure for one; the same command with \`--embedding\` and \`--blocks\` raised approaches a small model's shape, and \`npx batchprompt run ... --model local:<file.gguf>\` runs a real one.`,
    ]);
  }
  if (values.json) console.log(JSON.stringify({ ...setup, rows }, null, 2));
  else {
    console.log(`${setup.model}; ${threads} thread(s); ${setup.cpu}`);
    console.log('sequences | prompt tok/s | generated tok/s | (prompt tokens, generated tokens)');
    for (const row of rows) {
      console.log(
        `${String(row.sequences).padStart(9)} | ${row.promptTokensPerSecond.toFixed(0).padStart(12)} | ${row.generatedTokensPerSecond.toFixed(0).padStart(15)} | (${row.promptTokens}, ${row.generatedTokens})`,
      );
    }
  }
} finally {
  await rm(directory, { recursive: true, force: true });
}
