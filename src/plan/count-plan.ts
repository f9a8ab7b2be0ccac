import { firstWindowSize } from '../engine/first-window-size.js';
import type { Item, ResolvedStrategy } from '../engine/types.js';
import { type OutputFormat, renderBatch, renderItem, renderReply } from '../prompt/render-batch.js';
import { renderOutputsReply } from '../prompt/render-outputs.js';
import { countMessageTokens, countTokens } from '../spec/count-tokens.js';
import type { Task } from '../task/task-schema.js';
import { packInOrder } from '../util/pack-in-order.js';

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
  /**
   * Output tokens of SinglePrompt and of the worst case in each reply format, the strategy's own
   * included: the same calls, answered in lines or in JSON.
   */
  outputTokensByFormat: Record<OutputFormat, { single: number; worstCase: number }>;
}

const outputFormats: readonly OutputFormat[] = ['lines', 'json'];

/**
 * Output tokens of a reply of `count` answers in each format, written as the worked examples are
 * (the first label, or a two-digit number, each sure). Worked solutions are not counted: their
 * length is the model's.
 */
class ReplyCounter {
  private readonly tokensByKey = new Map<string, number>();

  constructor(private readonly task: Task) {}

  tokens(format: OutputFormat, count: number): number {
    const key = `${format}:${count}`;
    let tokens = this.tokensByKey.get(key);
    if (tokens === undefined && this.task.outputs !== undefined) {
      tokens = countTokens(renderOutputsReply(this.task, format, count));
      this.tokensByKey.set(key, tokens);
    }
    if (tokens === undefined && this.task.outputs === undefined) {
      const answer = this.task.answer;
      const value =
        answer.type === 'labels'
          ? (answer.labels[0]?.value ?? 'yes')
          : answer.type === 'number'
            ? 42
            : 'answer';
      const answers = Array.from({ length: count }, () => ({ answer: value, confident: true }));
      tokens = countTokens(renderReply(answers, format, 'abcd', false));
      this.tokensByKey.set(key, tokens);
    }
    return tokens ?? 0;
  }
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
      // The batch's first line says how many inputs it holds, so it is counted for this count.
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
  const replies = new ReplyCounter(task);
  const outputTokensByFormat = {
    lines: { single: 0, worstCase: 0 },
    json: { single: 0, worstCase: 0 },
  };
  const singleFixed = singleCounter.fixedTokens(1, strategy.examples !== 'none');
  let window: number[] = [];
  let windowLimit = firstWindowSize(strategy);
  let count = 0;

  // Batches are cut by the engine's own packer, so a plan and a run agree on every call.
  const flushWindow = () => {
    for (const batch of packInOrder(window, {
      maxEntries: strategy.batchSize,
      maxSize: strategy.maxBatchTokens,
      sizeOf: (tokens) => tokens,
    })) {
      for (let round = 1; round <= strategy.rounds; round += 1) {
        const includeExamples =
          strategy.examples === 'every-call' || (strategy.examples === 'first-round' && round === 1);
        worstCase.calls += 1;
        worstCase.inputTokens += counter.batchTokens(batch, includeExamples);
        worstCase.outputTokens += replies.tokens(strategy.format, batch.length);
        for (const format of outputFormats)
          outputTokensByFormat[format].worstCase += replies.tokens(format, batch.length);
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
    single.outputTokens += replies.tokens(strategy.format, 1);
    for (const format of outputFormats) outputTokensByFormat[format].single += replies.tokens(format, 1);
    window.push(tokens);
    count += 1;
    if (window.length >= windowLimit) {
      flushWindow();
      windowLimit = strategy.windowSize;
    }
  }
  flushWindow();
  return { items: count, single, worstCase, largestItem, outputTokensByFormat };
}
