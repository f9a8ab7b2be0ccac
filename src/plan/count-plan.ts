import { firstWindowSize } from '../engine/first-window-size.js';
import { packBatches } from '../engine/pack-batches.js';
import type { Item, ResolvedStrategy } from '../engine/types.js';
import { type OutputFormat, renderAnswerLine, renderBatch, renderItem } from '../prompt/render-batch.js';
import { countMessageTokens, countTokens } from '../spec/count-tokens.js';
import type { Task } from '../task/task-schema.js';

export interface PlanFigures {
  calls: number;
  inputTokens: number;
  outputTokens: number;
}

export interface CountedPlan {
  items: number;
  single: PlanFigures;
  /** The chosen strategy if every item went through every round (no early stopping, no re-asks). */
  worstCase: PlanFigures;
  /** Largest item, in tokens, and its 0-based place. */
  largestItem: { index: number; tokens: number };
}

/**
 * Token counts of prompts are nearly additive over their parts, so a prompt is counted as its
 * fixed part (system message and examples, for this many items) plus each item's own tokens.
 * That keeps a plan over 10^6 items to one tokenizer pass per item.
 */
class PromptCounter {
  private readonly fixedByCount = new Map<string, number>();

  constructor(
    private readonly task: Task,
    private readonly format: OutputFormat,
  ) {}

  /** An item with the blank line that follows it in a batch: the two often merge into one token. */
  itemTokens(item: Pick<Item, 'fields'>): number {
    return countTokens(`${renderItem(this.task, item, 0, 'abcd')}\n\n`);
  }

  fixedTokens(count: number, includeExamples: boolean): number {
    const key = `${count}:${includeExamples}`;
    let fixed = this.fixedByCount.get(key);
    if (fixed === undefined) {
      const blank = { fields: {} };
      const rendered = renderBatch(this.task, [blank], { format: this.format, tag: 'abcd', includeExamples });
      const withCount = renderBatch(
        this.task,
        Array.from({ length: count }, () => blank),
        { format: this.format, tag: 'abcd', includeExamples },
      );
      // The system message says how many inputs there are, so it is counted for this count.
      fixed =
        countMessageTokens(withCount.messages.slice(0, -1)) +
        countMessageTokens(rendered.messages.slice(-1)) -
        3 -
        countTokens(renderItem(this.task, blank, 0, 'abcd'));
      this.fixedByCount.set(key, fixed);
    }
    return fixed;
  }

  batchTokens(itemTokens: readonly number[], includeExamples: boolean): number {
    const items = itemTokens.reduce((sum, tokens) => sum + tokens, 0);
    // The last item has no blank line after it.
    return this.fixedTokens(itemTokens.length, includeExamples) + items - 1;
  }

  answerTokens(count: number): number {
    const label = this.task.answer.type === 'labels' ? (this.task.answer.labels[0]?.value ?? 'yes') : '42';
    if (this.format === 'json') {
      const entries = Array.from({ length: count }, (_, index) => ({
        id: index,
        answer: label,
        confident: true,
      }));
      return countTokens(JSON.stringify({ answers: entries }));
    }
    return countTokens(
      Array.from({ length: count }, (_, index) => renderAnswerLine(index, 'abcd', label, true)).join('\n'),
    );
  }
}

/**
 * Calls and tokens before anything is sent: SinglePrompt, and the strategy at its worst (every
 * item in every round). Batches are cut as the engine cuts round 1; later rounds hold the same
 * items in another order and are counted as round 1 again.
 */
export async function countPlan(
  task: Task,
  items: Iterable<Item> | AsyncIterable<Item>,
  strategy: ResolvedStrategy,
): Promise<CountedPlan> {
  const counter = new PromptCounter(task, strategy.format);
  const singleCounter = new PromptCounter(task, strategy.format);
  const single: PlanFigures = { calls: 0, inputTokens: 0, outputTokens: 0 };
  const worstCase: PlanFigures = { calls: 0, inputTokens: 0, outputTokens: 0 };
  const largestItem = { index: -1, tokens: 0 };
  const singleFixed = singleCounter.fixedTokens(1, strategy.examples !== 'none');
  const singleAnswer = singleCounter.answerTokens(1);
  let window: number[] = [];
  let windowLimit = firstWindowSize(strategy);
  let count = 0;

  // Batches are cut by the engine's own packer, so a plan and a run agree on every call.
  const flushWindow = () => {
    for (const batch of packBatches(window, {
      batchSize: strategy.batchSize,
      maxBatchTokens: strategy.maxBatchTokens,
      tokensOf: (tokens) => tokens,
    })) {
      for (let round = 1; round <= strategy.rounds; round += 1) {
        const includeExamples =
          strategy.examples === 'every-call' || (strategy.examples === 'first-round' && round === 1);
        worstCase.calls += 1;
        worstCase.inputTokens += counter.batchTokens(batch, includeExamples);
        worstCase.outputTokens += counter.answerTokens(batch.length);
      }
    }
    window = [];
  };

  for await (const item of items) {
    const tokens = counter.itemTokens(item);
    if (tokens > largestItem.tokens) {
      largestItem.index = count;
      largestItem.tokens = tokens;
    }
    single.calls += 1;
    single.inputTokens += singleFixed + tokens - 1;
    single.outputTokens += singleAnswer;
    window.push(tokens);
    count += 1;
    if (window.length >= windowLimit) {
      flushWindow();
      windowLimit = strategy.windowSize;
    }
  }
  flushWindow();
  return { items: count, single, worstCase, largestItem };
}
