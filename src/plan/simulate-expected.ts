import { batchPrompt } from '../engine/batch-prompt.js';
import { hashSeed, seededRandom } from '../engine/seeded-random.js';
import type { Item, ResolvedStrategy } from '../engine/types.js';
import { createSimModel } from '../sim/create-sim-model.js';
import type { SimProfileName } from '../sim/profiles.js';
import { readSource } from '../source/read-source.js';
import type { AnswerSpace, MultiOutputTask, OutputAnswerSpace, Task } from '../task/task-schema.js';
import type { PlanFigures } from './count-plan.js';

/** A strategy's expected calls and tokens over a whole data file, forecast on the simulator. */
export interface ExpectedRun {
  figures: PlanFigures;
  /** Where the figures come from: the profile, and how many items were run of how many. */
  basis: string;
  /** The batch size the run ended at (the adaptive rule may grow it). */
  finalBatchSize: number;
  /** What the adaptive rule's pilot decided; empty for other strategies. */
  decision: string;
}

/** The first label of an answer space: the simulated gold answer of an item without one. */
function firstLabel(space: AnswerSpace | OutputAnswerSpace): string | undefined {
  return space.type === 'labels' ? space.labels[0]?.value : undefined;
}

/** A task with outputs: each output's first label (an empty set for a multi-choice one), where all have labels. */
function fallbackOutputsGold(task: MultiOutputTask): Record<string, unknown> | undefined {
  const entries = task.outputs.map((output) => {
    const space = output.answer;
    return [output.name, space.type === 'labels' && space.multiple ? [] : firstLabel(space)] as const;
  });
  return entries.every(([, value]) => value !== undefined) ? Object.fromEntries(entries) : undefined;
}

/**
 * Early stopping depends on how the model answers, so the expected cost of a strategy comes from
 * running it on the calibrated simulator over (a sample of) the items, scaled to `totalItems`.
 * Items without a gold answer get the first label as a stand-in: the simulator only needs one to
 * decide when it errs, and the stopping rate depends on its error and confidence rates, not on
 * the label. Nothing is sent to a real model.
 */
export async function simulateExpected(
  task: Task,
  items: Item[],
  totalItems: number,
  strategy: ResolvedStrategy,
  profile: SimProfileName,
): Promise<ExpectedRun> {
  const fallbackGold = task.outputs === undefined ? firstLabel(task.answer) : fallbackOutputsGold(task);
  const sample = items.map((item) =>
    item.gold === undefined && fallbackGold !== undefined ? { ...item, gold: fallbackGold } : item,
  );
  const model = createSimModel({ profile, task, items: sample, seed: strategy.seed });
  const { summary } = await batchPrompt({ ...strategy, task, items: sample, model });
  const scale = totalItems / Math.max(1, sample.length);
  return {
    figures: {
      calls: Math.round(summary.calls * scale),
      inputTokens: Math.round(summary.inputTokens * scale),
      outputTokens: Math.round(summary.outputTokens * scale),
    },
    basis: `simulated (sim:${profile}) on ${sample.length} of ${totalItems} items${scale === 1 ? '' : ', scaled'}`,
    finalBatchSize: summary.adaptive?.finalBatchSize ?? summary.strategy.batchSize,
    decision: summary.adaptive?.decision ?? '',
  };
}

/**
 * The valid items of a data file as they are read, for `countPlan`, keeping a seeded uniform
 * sample of them for `simulateExpected` (reservoir sampling: one pass, bounded memory) and a count
 * of the invalid rows passed over.
 */
export function sampleWhileReading(
  source: Parameters<typeof readSource>[0],
  sampleSize: number,
  seed: number,
): { items: AsyncIterable<Item>; sample: Item[]; invalid: () => number } {
  let invalid = 0;
  const sample: Item[] = [];
  let seen = 0;
  const random = seededRandom(hashSeed('plan-sample', seed));
  const items = (async function* () {
    for await (const entry of readSource(source)) {
      if (entry.kind === 'invalid') {
        invalid += 1;
        continue;
      }
      seen += 1;
      if (sample.length < sampleSize) sample.push(entry.item);
      else {
        const slot = Math.floor(random() * seen);
        if (slot < sampleSize) sample[slot] = entry.item;
      }
      yield entry.item;
    }
  })();
  return { items, sample, invalid: () => invalid };
}
