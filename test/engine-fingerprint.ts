/**
 * What a run of the engine did: which items it asked together, in which order, round, attempt
 * and format, what every item's votes were, and the run's accounts. `engine-fingerprint.test.ts`
 * compares the engine of today with the fingerprints recorded in
 * `test/fixtures/engine-fingerprints.json` from an earlier engine, so a change to how the engine
 * is built cannot change what it asks or answers unnoticed.
 *
 * The runs ask `fingerprintModel`, a double whose answers depend on the items of a call, their
 * order and the call's format alone: never on the batch code (free to change between versions),
 * on the wording of the prompt (the prompt module's), or on the simulator's calibration (the sim
 * module's). It answers as one of two kinds of model: `steady` (each item has one answer it gives
 * in almost any batch, like a current model) and `shifting` (answers slip with the batch size and
 * the place in it, like the 2023 models), and now and then leaves an answer out, so that re-asks
 * happen. Its usage is a count of the call's parts, so the accounts do not depend on wording.
 *
 *   npx tsx test/engine-fingerprint.ts --write   # records the fixture from the engine checked out
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { batchPrompt } from '../src/engine/batch-prompt.js';
import type { BatchPromptOptions, CallRecord, Item, ItemResult, StrategyName } from '../src/engine/types.js';
import { normalizeAnswer } from '../src/parse/normalize-answer.js';
import { readRenderedBatch } from '../src/prompt/read-rendered-batch.js';
import { loadItems } from '../src/source/load-items.js';
import type { ChatModel, GenerateRequest } from '../src/spec/chat-model.js';
import { boolqTask, rteTask } from '../src/task/builtin-tasks.js';
import type { SingleOutputTask as Task } from '../src/task/task-schema.js';

const repositoryRoot = resolve(import.meta.dirname, '..');
export const fingerprintFixture = join(repositoryRoot, 'test/fixtures/engine-fingerprints.json');
const demoFile = join(repositoryRoot, 'examples/demo/yes-no.jsonl');
export const rteFile = join(
  process.env.BATCHPROMPT_DATA_DIR ?? resolve(repositoryRoot, '../shared/data'),
  'rte.dev.jsonl',
);

export type FingerprintProfile = 'steady' | 'shifting';

/** A number in [0, 1) from any parts, the same on every platform. */
function draw(...parts: (string | number)[]): number {
  return createHash('sha256').update(parts.join('\u0000')).digest().readUInt32LE(0) / 2 ** 32;
}

interface Answered {
  answer: string;
  sure: boolean;
}

/** How a kind of model answers an item at a place in a call (`key` names the call). */
function answerOf(
  profile: FingerprintProfile,
  item: Item,
  gold: string,
  other: string,
  call: CallShape,
  position: number,
): Answered {
  const { key, size } = call;
  if (draw(item.id, 'hard') < 0.08) return { answer: other, sure: draw(item.id, 'hard-sure') < 0.85 };
  if (profile === 'steady') {
    const sureItem = draw(item.id, 'sure-item') > 0.13;
    const slip = (sureItem ? 0.002 : 0.05) + (size > 32 ? 0.01 : 0);
    const relabel = draw(key, position, 'relabel') < slip;
    const sure = sureItem ? draw(key, position, 'tag') > 0.03 : draw(key, position, 'tag') < 0.02;
    return { answer: relabel ? other : gold, sure };
  }
  // Slips grow with the batch size and are worst in the middle of it.
  const base = size <= 16 ? 0.01 : size <= 32 ? 0.04 : size <= 64 ? 0.15 : 0.3;
  const relative = size <= 1 ? 0 : position / (size - 1);
  const middle = 1 - (2 * relative - 1) ** 2;
  const fragility = 0.3 + 1.4 * draw(item.id, 'fragility');
  const slips = draw(key, position, 'slip') < Math.min(0.9, base * (1 + 0.9 * (middle - 2 / 3)) * fragility);
  return slips
    ? { answer: other, sure: draw(key, position, 'tag') < 0.25 }
    : { answer: gold, sure: draw(key, position, 'tag') < 0.95 };
}

/** What names a call for the double: its items in order, its format, examples and re-ask reason. */
interface CallShape {
  key: string;
  size: number;
}

/** An item's fields as a prompt shows them, whatever their line breaks and spacing. */
function fieldsKey(fields: Readonly<Record<string, string>>): string {
  return Object.keys(fields)
    .sort()
    .map((key) => `${key}=${fields[key]!.replace(/\s+/g, ' ').trim()}`)
    .join('\u0000');
}

export interface FingerprintModel extends ChatModel {
  /** One line per request: its items' ids in order, format, examples or not, re-ask reason. */
  readonly shapes: string[];
}

export function fingerprintModel(
  profile: FingerprintProfile,
  task: Task,
  items: readonly Item[],
): FingerprintModel {
  const byFields = new Map(items.map((item) => [fieldsKey(item.fields), item]));
  const labels = task.answer.type === 'labels' ? task.answer.labels.map((label) => label.value) : [];
  const shapes: string[] = [];
  return {
    id: `fingerprint:${profile}`,
    simulated: true,
    supportsJsonSchema: true,
    shapes,
    async generate(request: GenerateRequest) {
      const last = request.messages.at(-1)?.content ?? '';
      const entries = readRenderedBatch(last);
      const tag = entries[0]?.tag ?? '';
      const ids = entries.map((entry) => byFields.get(fieldsKey(entry.fields))?.id ?? '?');
      const format = request.responseFormat?.type === 'json' ? 'json' : 'lines';
      const examples = request.messages.length > 2;
      const reask = /Your last reply ([^.]*)\./.exec(last)?.[1] ?? '';
      const shape = `${ids.join(',')} | ${format} | ${examples ? 'examples' : 'no examples'} | ${reask}`;
      shapes.push(shape);
      const call = { key: shape, size: entries.length };
      // Now and then an answer is left out, so that the engine re-asks.
      const skipped =
        entries.length > 1 && draw(shape, 'skip') < 0.05
          ? Math.floor(draw(shape, 'which') * entries.length)
          : -1;
      const answers = entries.flatMap((entry, position) => {
        const item = byFields.get(fieldsKey(entry.fields));
        if (item === undefined || position === skipped) return [];
        const gold = String(normalizeAnswer(task, item.gold) ?? labels[0]);
        const other = labels.find((label) => label !== gold) ?? gold;
        return [{ index: entry.index, ...answerOf(profile, item, gold, other, call, position) }];
      });
      const text =
        format === 'json'
          ? JSON.stringify({
              answers: answers.map((entry) => ({
                id: entry.index,
                code: tag,
                answer: entry.answer,
                confident: entry.sure,
              })),
            })
          : answers
              .map((entry) => `${entry.index} (${tag}): ${entry.answer} ${entry.sure ? 'sure' : 'unsure'}`)
              .join('\n');
      return {
        text,
        // Counted from the call's parts, not its wording: 7 per item, 150 for the instruction,
        // 200 more with the examples; 4 per answer.
        usage: {
          inputTokens: 150 + (examples ? 200 : 0) + 7 * entries.length,
          outputTokens: 4 * answers.length,
        },
        finishReason: 'stop' as const,
      };
    },
  };
}

export interface FingerprintCase {
  name: string;
  data: 'demo' | 'rte';
  profile: FingerprintProfile;
  strategy: StrategyName;
  options?: Partial<BatchPromptOptions>;
}

/**
 * Options that turn off what the adaptive rule learned after the recording, so that its runs are
 * the recorded rule's: a stable model's small later rounds are asked (`minRoundItems` 0), the
 * pilot's sequential test weighs moves at the rates it had then, and the batch may not grow (the
 * recorded runs were too small for a probe to pay; the pilot's own call of 100 came later).
 */
export const recordedAdaptiveRule: Partial<BatchPromptOptions> = {
  adaptive: {
    minRoundItems: 0,
    maxBatchSize: 32,
    stableChangeRate: { sure: 0.04, unsure: 0.25 },
    orderDependentChangeRate: { sure: 0.12, unsure: 0.75 },
  },
};

/** Every strategy on both kinds of model, on the shipped demo data (library defaults) and on RTE (the bench's prompt). */
export const fingerprintCases: FingerprintCase[] = (['demo', 'rte'] as const).flatMap((data) =>
  (['shifting', 'steady'] as const).flatMap((profile) =>
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
  /** A digest of every request's items, format, examples and re-ask reason, sorted. */
  requests: string[];
  /** Every call's round, attempt, items and finish, with how many calls were alike. */
  calls: string[];
  /** The run summary without its wall time, model and resolved options. */
  accounts: Record<string, unknown>;
  /**
   * One line per item: id, status, answer, rounds, then each vote (round, the answer's first three
   * letters, sure or unsure, position/batch size).
   */
  items: string[];
}

function itemLine(result: ItemResult): string {
  const votes = result.votes
    .map(
      (vote) =>
        `${vote.round}:${String(vote.answer).slice(0, 3)}:${vote.confident ? 's' : 'u'}:${vote.position}/${vote.batchSize}`,
    )
    .join(',');
  const error = result.error === undefined ? '' : ` ! ${result.error}`;
  return `${result.id} ${result.status} ${String(result.answer)} r${result.rounds} ${votes}${error}`;
}

/** Each distinct line once, sorted, with how often it came. */
function tally(lines: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  return [...counts].map(([line, count]) => `${line} x${count}`).sort();
}

const callLine = (call: CallRecord) => `r${call.round} a${call.attempt} ${call.items} ${call.finishReason}`;

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

/** Runs one case through the engine with the double, seed 0; `shapes` lists its requests in the order made. */
export async function fingerprintRun(spec: FingerprintCase): Promise<RunFingerprint & { shapes: string[] }> {
  const { task, items } = await dataOf(spec.data);
  const model = fingerprintModel(spec.profile, task, items);
  const calls: CallRecord[] = [];
  // The demo runs with the library's defaults of the recording, when `auto` took JSON for a model
  // with JSON schemas (it now takes lines for one billed per token); RTE with the bench's prompt.
  const prompt =
    spec.data === 'demo'
      ? ({ format: 'json' } as const)
      : ({ format: 'lines', examples: 'first-round' } as const);
  const { results, summary } = await batchPrompt({
    task,
    items,
    model,
    strategy: spec.strategy,
    batchSize: 32,
    rounds: 5,
    seed: 0,
    onCall: (call) => calls.push(call),
    ...prompt,
    ...spec.options,
  });
  const { wallMs: _wallMs, model: _model, strategy: _strategy, ...accounts } = summary;
  return {
    requests: model.shapes.map(shapeDigest).sort(),
    calls: tally(calls.map(callLine)),
    accounts,
    items: results.map(itemLine),
    shapes: model.shapes,
  };
}

/** How a request is kept in the fixture. */
export function shapeDigest(shape: string): string {
  return createHash('sha256').update(shape).digest('hex').slice(0, 12);
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
  const commit =
    process.env.FINGERPRINT_COMMIT ??
    execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repositoryRoot, encoding: 'utf8' }).trim();
  const runs: Record<string, RunFingerprint> = {};
  for (const spec of fingerprintCases) {
    if (spec.data === 'rte' && !existsSync(rteFile)) throw new Error(`missing ${rteFile}`);
    const { shapes: _shapes, ...fingerprint } = await fingerprintRun(spec);
    runs[spec.name] = fingerprint;
    process.stderr.write(`${spec.name}: ${runs[spec.name]!.requests.length} requests\n`);
  }
  const file: FingerprintFile = { command: 'npx tsx test/engine-fingerprint.ts --write', commit, runs };
  writeFileSync(fingerprintFixture, `${JSON.stringify(file, null, 2)}\n`);
}

if (process.argv.includes('--write')) {
  write().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
