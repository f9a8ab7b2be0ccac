/**
 * Every request a single-output task sends, as it reaches the model: the response-cache key of
 * each (a sha256 of the model id, the settings and every byte of every message), and the full
 * messages of one first-round request and one re-ask of each run.
 * `single-output-prompts.test.ts` compares today's requests with those recorded in
 * `test/fixtures/single-output-prompts.json`, so that a change elsewhere (tasks with several
 * outputs, a new option) cannot move a built-in task's prompts or cache keys unnoticed: a user's
 * response cache and store must keep answering the same calls.
 *
 * The runs ask `fingerprintModel` (see engine-fingerprint.ts), whose replies depend on the items
 * of a call and their order only, and which now and then leaves an answer out so that re-asks are
 * made. A deliberate change of the prompt records the fixture again and says so in its commit:
 *
 *   npx tsx test/single-output-prompts.ts --record
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { batchPrompt } from '../src/engine/batch-prompt.js';
import type { BatchPromptOptions, Item, StrategyName } from '../src/engine/types.js';
import { loadItems } from '../src/source/load-items.js';
import type { ChatMessage, GenerateRequest } from '../src/spec/chat-model.js';
import { requestCacheKey } from '../src/store/cached-model.js';
import { boolqTask, qqpTask, rteTask } from '../src/task/builtin-tasks.js';
import type { SingleOutputTask as Task } from '../src/task/task-schema.js';
import { fingerprintModel } from './engine-fingerprint.js';

const repositoryRoot = resolve(import.meta.dirname, '..');
export const promptsFixture = join(repositoryRoot, 'test/fixtures/single-output-prompts.json');
const dataDir = process.env.BATCHPROMPT_DATA_DIR ?? resolve(repositoryRoot, '../shared/data');

/** The model id the keys are computed for (any fixed id: the key covers it). */
const keyModelId = 'openai:gpt-4.1-mini';

export interface PromptCase {
  name: string;
  task: Task;
  /** The data file and how many of its first rows the run takes. */
  file: string;
  rows: number;
  strategy: StrategyName;
  options: Partial<BatchPromptOptions>;
}

const demoFile = join(repositoryRoot, 'examples/demo/yes-no.jsonl');

export const promptCases: PromptCase[] = [
  {
    name: 'boolq demo adaptive lines',
    task: boolqTask,
    file: demoFile,
    rows: 64,
    strategy: 'adaptive',
    options: { format: 'lines' },
  },
  {
    name: 'boolq demo bpe+seas json',
    task: boolqTask,
    file: demoFile,
    rows: 64,
    strategy: 'bpe+seas',
    options: { format: 'json' },
  },
  {
    name: 'boolq demo batch lines with examples',
    task: boolqTask,
    file: demoFile,
    rows: 64,
    strategy: 'batch',
    options: { format: 'lines', examples: 'first-round' },
  },
  {
    name: 'rte adaptive lines with examples',
    task: rteTask,
    file: join(dataDir, 'rte.dev.jsonl'),
    rows: 48,
    strategy: 'adaptive',
    options: { format: 'lines', examples: 'first-round' },
  },
  {
    name: 'qqp adaptive json',
    task: qqpTask,
    file: join(dataDir, 'qqp.dev.jsonl'),
    rows: 48,
    strategy: 'adaptive',
    options: { format: 'json' },
  },
];

export interface RecordedRequest {
  key: string;
  messages?: ChatMessage[];
}

export interface PromptsFile {
  command: string;
  commit: string;
  runs: Record<string, RecordedRequest[]>;
}

/** True when the request is a re-ask (the engine tells the model what its last reply lacked). */
const isReask = (request: GenerateRequest) => /Your last reply /.test(request.messages.at(-1)?.content ?? '');

/** Runs one case (seed 0, batches of 16, 3 rounds) and lists its requests. */
export async function recordPrompts(spec: PromptCase): Promise<RecordedRequest[]> {
  const items: Item[] = (await loadItems(spec.file, spec.task)).slice(0, spec.rows);
  const model = fingerprintModel('shifting', spec.task, items);
  const requests: GenerateRequest[] = [];
  await batchPrompt({
    task: spec.task,
    items,
    model: {
      ...model,
      generate(request) {
        requests.push(request);
        return model.generate(request);
      },
    },
    strategy: spec.strategy,
    batchSize: 16,
    rounds: 3,
    seed: 0,
    ...spec.options,
  });
  // Kept sorted by key, so that neither the order replies arrive in nor the order calls are
  // started in matters; the messages kept are those of the first request and first re-ask by key.
  const recorded = requests
    .map((request) => ({ key: requestCacheKey(keyModelId, request), reask: isReask(request), request }))
    .sort((left, right) => left.key.localeCompare(right.key));
  const shown = new Set([recorded.find((entry) => !entry.reask), recorded.find((entry) => entry.reask)]);
  return recorded.map((entry) => ({
    key: entry.key,
    ...(shown.has(entry) ? { messages: entry.request.messages } : {}),
  }));
}

export function readPrompts(): PromptsFile {
  return JSON.parse(readFileSync(promptsFixture, 'utf8')) as PromptsFile;
}

export const caseData = (spec: PromptCase) => existsSync(spec.file);

async function write(): Promise<void> {
  const { execFileSync } = await import('node:child_process');
  const commit =
    process.env.PROMPTS_COMMIT ??
    execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repositoryRoot, encoding: 'utf8' }).trim();
  const runs: Record<string, RecordedRequest[]> = {};
  for (const spec of promptCases) {
    if (!caseData(spec)) throw new Error(`missing ${spec.file}`);
    runs[spec.name] = await recordPrompts(spec);
    process.stderr.write(`${spec.name}: ${runs[spec.name]!.length} requests\n`);
  }
  const file: PromptsFile = { command: 'npx tsx test/single-output-prompts.ts --record', commit, runs };
  writeFileSync(promptsFixture, `${JSON.stringify(file, null, 2)}\n`);
}

if (process.argv.includes('--record')) {
  write().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
