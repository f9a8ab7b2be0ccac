import { renderBatch, renderItem } from '../src/prompt/render-batch.js';
import { createSimModel } from '../src/sim/create-sim-model.js';
import { countMessageTokens, countTokens } from '../src/spec/count-tokens.js';
import type { Task } from '../src/task/task-schema.js';
import { measureRun, type PromptSettings } from './measure-runs.js';
import { loadPaperTask, paperTasks } from './paper-data.js';
import type { PromptAnatomy, PromptCostRow } from './results-files.js';
import { headline } from './settings.js';

/**
 * Tokens of a batched call that do not belong to its items: system message, examples and chat
 * framing, for a batch of the headline size. Exact for the given items; nearly the same for any.
 */
export function promptAnatomy(
  task: Task,
  items: readonly { fields: Record<string, string> }[],
  prompt: PromptSettings,
): PromptAnatomy {
  const batch = items.slice(0, headline.batchSize);
  const fixed = (includeExamples: boolean) => {
    const rendered = renderBatch(task, batch, { format: prompt.format, tag: 'abcd', includeExamples });
    const itemsText = rendered.messages.at(-1)?.content ?? '';
    return countMessageTokens(rendered.messages) - countTokens(itemsText);
  };
  const itemTokens = items.reduce((sum, item) => sum + countTokens(renderItem(task, item, 12, 'abcd')), 0);
  return {
    meanItemTokens: Math.round((itemTokens / items.length) * 10) / 10,
    fixedRound1: fixed(prompt.examples !== 'none'),
    fixedLaterRounds: fixed(prompt.examples === 'every-call'),
    singleFixed: (() => {
      const rendered = renderBatch(task, batch.slice(0, 1), {
        format: prompt.format,
        tag: 'abcd',
        includeExamples: prompt.examples !== 'none',
      });
      return countMessageTokens(rendered.messages) - countTokens(rendered.messages.at(-1)?.content ?? '');
    })(),
  };
}

/**
 * One row of the prompt-overhead table: SinglePrompt and the headline setting (sim gpt-4, batch
 * 32, BPE+SEAS, 5 rounds, weighted) on every task, with the prompt as the code now writes it.
 * BPE+SEAS is run with several seeds because any change of wording changes the simulator's
 * draws (they hash the whole request), and with them which items need a third round: one seed's
 * totals move by more than a small prompt change saves.
 */
export async function measurePromptCosts(options: {
  label: string;
  prompt: PromptSettings;
  command: string;
  code: string;
  seeds: number;
}): Promise<PromptCostRow> {
  const { prompt } = options;
  const tasks: PromptCostRow['tasks'] = {};
  for (const taskName of paperTasks) {
    const { task, items } = await loadPaperTask(taskName);
    const seas = [];
    let single: Awaited<ReturnType<typeof measureRun>> | undefined;
    for (let seed = 0; seed < options.seeds; seed += 1) {
      const model = createSimModel({ profile: headline.profile, task, items, seed });
      const common = { task, items, model, prompt, seed, voting: headline.voting };
      if (seed === 0) single = await measureRun({ ...common, strategy: 'single', batchSize: 1, rounds: 1 });
      seas.push(
        await measureRun({
          ...common,
          strategy: 'bpe+seas',
          batchSize: headline.batchSize,
          rounds: headline.rounds,
        }),
      );
    }
    if (single === undefined) throw new Error('--seeds must be at least 1');
    tasks[taskName] = { single, seas, anatomy: promptAnatomy(task, items, prompt) };
  }
  return { label: options.label, code: options.code, command: options.command, prompt, tasks };
}
