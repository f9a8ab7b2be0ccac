/**
 * What a run of the engine did, batch codes aside: the prompts it sent, every vote of every item
 * and the run's accounts. `test/engine-fingerprint.test.ts` compares the engine of today with the
 * fingerprints recorded in `test/fixtures/engine-fingerprints.json` from an earlier engine, so a
 * change to how the engine is built cannot change what it asks or answers unnoticed.
 *
 * The simulated model draws its answers from a hash of the whole request, batch code included,
 * and a batch code is free to change between versions. So the runs here ask the simulator through
 * `codeBlindModel`, which shows it every request with the batch code replaced by a fixed one (and
 * puts the real code back into its reply): its answers then depend on the items, their order and
 * the prompt alone, as the test needs, and its token counts on everything but the code.
 *
 *   npx tsx test/engine-fingerprint.ts --write   # records the fixture from the engine checked out
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { batchPrompt } from '../src/engine/batch-prompt.js';
import type { BatchPromptOptions, Item, ItemResult, StrategyName } from '../src/engine/types.js';
import { readRenderedBatch } from '../src/prompt/read-rendered-batch.js';
import { createSimModel } from '../src/sim/create-sim-model.js';
import type { SimProfileName } from '../src/sim/profiles.js';
import { loadItems } from '../src/source/load-items.js';
import type { ChatModel, GenerateRequest } from '../src/spec/chat-model.js';
import { boolqTask, rteTask } from '../src/task/builtin-tasks.js';
import type { Task } from '../src/task/task-schema.js';

const repositoryRoot = resolve(import.meta.dirname, '..');
export const fingerprintFixture = join(repositoryRoot, 'test/fixtures/engine-fingerprints.json');
const demoFile = join(repositoryRoot, 'examples/demo/yes-no.jsonl');
export const rteFile = join(
  process.env.BATCHPROMPT_DATA_DIR ?? resolve(repositoryRoot, '../shared/data'),
  'rte.dev.jsonl',
);

/** A code no batch gets (the engine's codes are four characters), shown to the simulator instead. */
const blindCode = 'zzzz';

function escapeForPattern(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The simulator, shown every request with its batch code replaced by `blindCode` where the code
 * stands as a word of its own (headers, a re-ask's reminder); its reply gets the real code back.
 * `prompts` collects a digest of each request as the simulator saw it.
 */
export function codeBlindModel(model: ChatModel): ChatModel & { prompts: string[] } {
  const prompts: string[] = [];
  return {
    id: model.id,
    simulated: model.simulated,
    supportsJsonSchema: model.supportsJsonSchema,
    prompts,
    async generate(request: GenerateRequest) {
      const last = request.messages.at(-1);
      const code = last === undefined ? undefined : readRenderedBatch(last.content)[0]?.tag;
      const pattern =
        code === undefined
          ? undefined
          : new RegExp(`(?<![a-z0-9])${escapeForPattern(code)}(?![a-z0-9])`, 'g');
      const messages =
        pattern === undefined || last === undefined
          ? request.messages
          : [
              ...request.messages.slice(0, -1),
              { ...last, content: last.content.replace(pattern, blindCode) },
            ];
      const { signal: _signal, ...shown } = { ...request, messages };
      prompts.push(createHash('sha256').update(JSON.stringify(shown)).digest('hex').slice(0, 16));
      const reply = await model.generate({ ...request, messages });
      return code === undefined ? reply : { ...reply, text: reply.text.split(blindCode).join(code) };
    },
  };
}

export interface FingerprintCase {
  name: string;
  data: 'demo' | 'rte';
  profile: SimProfileName;
  strategy: StrategyName;
  options?: Partial<BatchPromptOptions>;
}

/**
 * Options that turn off what the adaptive rule learned after the recording, so that its runs are
 * the recorded rule's: a stable model's small later rounds are asked (`minRoundItems` 0).
 */
export const recordedAdaptiveRule: Partial<BatchPromptOptions> = { adaptive: { minRoundItems: 0 } };

/** Every strategy on both profiles, on the shipped demo data (library defaults) and on RTE (the bench's prompt). */
export const fingerprintCases: FingerprintCase[] = (['demo', 'rte'] as const).flatMap((data) =>
  (['gpt-4', 'frontier'] as const).flatMap((profile) =>
    (['single', 'batch', 'bpe', 'bpe+seas', 'adaptive'] as const).map((strategy) => ({
      name: `${data} ${profile} ${strategy}`,
      data,
      profile,
      strategy,
      ...(strategy === 'adaptive' ? { options: recordedAdaptiveRule } : {}),
    })),
  ),
);

export interface RunFingerprint {
  /** Digest of the sorted digests of every request as the model saw it (batch codes blinded). */
  prompts: string;
  requests: number;
  /** The run summary without its wall time, model and resolved options. */
  accounts: Record<string, unknown>;
  /** One line per item: id, status, answer, rounds, then each vote (round:answer:tag:position/size). */
  items: string[];
}

function itemLine(result: ItemResult): string {
  const votes = result.votes
    .map(
      (vote) =>
        `${vote.round}:${String(vote.answer)}:${vote.confident ? 's' : 'u'}:${vote.position}/${vote.batchSize}`,
    )
    .join(',');
  const error = result.error === undefined ? '' : ` ! ${result.error}`;
  return `${result.id} ${result.status} ${String(result.answer)} r${result.rounds} ${votes}${error}`;
}

const loaded = new Map<string, Promise<{ task: Task; items: Item[] }>>();

function dataOf(data: FingerprintCase['data']): Promise<{ task: Task; items: Item[] }> {
  let found = loaded.get(data);
  if (found === undefined) {
    const task = data === 'demo' ? boolqTask : rteTask;
    found = loadItems(data === 'demo' ? demoFile : rteFile, task).then((items) => ({ task, items }));
    loaded.set(data, found);
  }
  return found;
}

/** Runs one case through the engine with the code-blind simulator, seed 0. */
export async function fingerprintRun(spec: FingerprintCase): Promise<RunFingerprint> {
  const { task, items } = await dataOf(spec.data);
  const model = codeBlindModel(createSimModel({ profile: spec.profile, task, items, seed: 0 }));
  // The demo runs as `batchprompt demo` does (library defaults); RTE with the bench's prompt.
  const prompt = spec.data === 'demo' ? {} : ({ format: 'lines', examples: 'first-round' } as const);
  const { results, summary } = await batchPrompt({
    task,
    items,
    model,
    strategy: spec.strategy,
    batchSize: 32,
    rounds: 5,
    seed: 0,
    ...prompt,
    ...spec.options,
  });
  const { wallMs: _wallMs, model: _model, strategy: _strategy, ...accounts } = summary;
  const sorted = [...model.prompts].sort();
  return {
    prompts: createHash('sha256').update(sorted.join('\n')).digest('hex').slice(0, 16),
    requests: sorted.length,
    accounts,
    items: results.map(itemLine),
  };
}

export interface FingerprintFile {
  /** How the file was made, and from which commit's engine. */
  command: string;
  commit: string;
  runs: Record<string, RunFingerprint>;
}

export function readFingerprints(): FingerprintFile {
  return JSON.parse(readFileSync(fingerprintFixture, 'utf8')) as FingerprintFile;
}

async function write(): Promise<void> {
  const { execFileSync } = await import('node:child_process');
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repositoryRoot, encoding: 'utf8' }).trim();
  const runs: Record<string, RunFingerprint> = {};
  for (const spec of fingerprintCases) {
    if (spec.data === 'rte' && !existsSync(rteFile)) throw new Error(`missing ${rteFile}`);
    runs[spec.name] = await fingerprintRun(spec);
    process.stderr.write(`${spec.name}: ${runs[spec.name]!.requests} requests\n`);
  }
  const file: FingerprintFile = { command: 'npx tsx test/engine-fingerprint.ts --write', commit, runs };
  writeFileSync(fingerprintFixture, `${JSON.stringify(file, null, 1)}\n`);
}

if (process.argv.includes('--write')) {
  write().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
