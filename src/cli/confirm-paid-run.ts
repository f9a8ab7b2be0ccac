import { createInterface } from 'node:readline/promises';
import type { ResolvedStrategy } from '../engine/types.js';
import { countPlan } from '../plan/count-plan.js';
import { costUsd, type ModelPrice } from '../plan/price-table.js';
import { type DataSourceOptions, sourceItems } from '../source/read-source.js';
import type { ChatModel } from '../spec/chat-model.js';
import type { Task } from '../task/task-schema.js';

/**
 * Before a paid run started at a terminal: shows what the plan says it can cost at most and asks
 * once. The simulated and local models cost nothing, `--yes` answers for the user, and without a
 * terminal on both ends (a pipe, CI) nothing waits for an answer: the run goes ahead.
 */
export async function confirmPaidRun(
  values: { yes?: boolean; json?: boolean },
  model: ChatModel,
  task: Task,
  source: DataSourceOptions,
  strategy: ResolvedStrategy,
  price: ModelPrice | undefined,
): Promise<boolean> {
  if (model.simulated || model.id.startsWith('local:') || values.yes) return true;
  if (!process.stdin.isTTY || !process.stderr.isTTY) return true;
  const plan = await countPlan(task, sourceItems(source), strategy);
  const cost = costUsd(price, plan.worstCase.inputTokens, plan.worstCase.outputTokens);
  const costText =
    cost === undefined
      ? 'no price is known for this model (--prices sets one)'
      : `at most $${cost.toFixed(4)}`;
  process.stderr.write(
    `This run sends ${model.id} up to ${plan.worstCase.calls} calls for ${plan.items} items, about ${plan.worstCase.inputTokens} input and ${plan.worstCase.outputTokens} output tokens: ${costText} (every round, no early stopping; --max-cost caps it).\n`,
  );
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question('Go on? [y/N] ');
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}
