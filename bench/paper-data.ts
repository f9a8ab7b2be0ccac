import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Item } from '../src/engine/types.js';
import type { PaperTask } from '../src/sim/published-figures.js';
import { loadItems } from '../src/source/load-items.js';
import { builtinTasks } from '../src/task/builtin-tasks.js';
import { loadTask } from '../src/task/load-task.js';
import type { Task } from '../src/task/task-schema.js';

/** The repository root: the benchmarks resolve every path from here, whatever the current directory. */
export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The paper drew 320 random BoolQ validation items; this seed draws ours, and every report prints it. */
export const boolqSampleSeed = 0;
export const boolqSampleSize = 320;

export const paperTasks: readonly PaperTask[] = ['boolq', 'rte', 'qqp'];

const dataFiles: Readonly<Record<PaperTask, string>> = {
  boolq: 'boolq.dev.jsonl',
  rte: 'rte.dev.jsonl',
  qqp: 'qqp.dev.jsonl',
};

/** `BATCHPROMPT_DATA_DIR`, else `../shared/data` next to the repository. */
export function dataDirectory(): string {
  return resolve(process.env.BATCHPROMPT_DATA_DIR ?? resolve(repositoryRoot, '../shared/data'));
}

export interface PaperTaskData {
  name: PaperTask;
  task: Task;
  items: Item[];
  /** How the items were chosen, for the report. */
  selection: string;
}

/** The evaluation items of one of the paper's tasks: BoolQ sampled as the paper did, RTE and QQP whole. */
export async function loadPaperTask(name: PaperTask): Promise<PaperTaskData> {
  const task = builtinTasks[name];
  if (task === undefined) throw new Error(`no built-in task named ${name}`);
  const file = resolve(dataDirectory(), dataFiles[name]);
  if (!existsSync(file)) {
    throw new Error(
      `missing data file ${file}: set BATCHPROMPT_DATA_DIR to the folder holding ${Object.values(dataFiles).join(', ')}`,
    );
  }
  if (name === 'boolq') {
    const items = await loadItems(file, task, { sample: boolqSampleSize, seed: boolqSampleSeed });
    return {
      name,
      task,
      items,
      selection: `${items.length} items sampled from ${dataFiles[name]} with seed ${boolqSampleSeed}`,
    };
  }
  const items = await loadItems(file, task);
  return { name, task, items, selection: `all ${items.length} items of ${dataFiles[name]}` };
}

/** The file of the held-out RTE task with a long annotation guideline. */
const guidelineTaskFile = 'examples/tasks/rte-guideline.yaml';

/**
 * The RTE items under the task of `examples/tasks/rte-guideline.yaml`: the same premises and
 * hypotheses with a guideline long enough (over 1,024 tokens) for the providers to cache it.
 */
export async function loadGuidelineRte(): Promise<{ task: Task; items: Item[] }> {
  const task = loadTask(resolve(repositoryRoot, guidelineTaskFile));
  const { items } = await loadPaperTask('rte');
  return { task, items: items.map((item) => ({ ...item, gold: guidelineLabel(item.gold) })) };
}

/** The built-in RTE task's gold (its label words) as the guideline task's labels. */
function guidelineLabel(gold: unknown): unknown {
  if (gold === 'entailment' || gold === 'not_entailment') return gold;
  return gold === true || gold === 0 || gold === '0' ? 'entailment' : 'not_entailment';
}
