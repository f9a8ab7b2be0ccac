import { renderItem } from '../prompt/render-batch.js';
import { countTokens } from '../spec/count-tokens.js';
import { checkItem } from './check-item.js';
import { firstWindowSize } from './first-window-size.js';
import type { ItemState } from './item-state.js';
import { strategyOfRun } from './resolve-strategy.js';
import { RunContext, type StreamSummary } from './run-context.js';
import { runWindow } from './run-window.js';
import type { BatchPromptOptions, Item, ItemResult, ResolvedStrategy } from './types.js';

export { reasoningTokensPerItem } from './run-context.js';

async function* windowsOf(
  items: Iterable<Item> | AsyncIterable<Item>,
  size: number,
  firstSize = size,
): AsyncGenerator<Item[]> {
  let window: Item[] = [];
  let limit = firstSize;
  for await (const item of items) {
    window.push(item);
    if (window.length >= limit) {
      yield window;
      window = [];
      limit = size;
    }
  }
  if (window.length > 0) yield window;
}

export interface BatchPromptStream extends AsyncIterable<ItemResult> {
  /** The summary so far; complete once the results have been read to the end. */
  summary(): StreamSummary;
  readonly strategy: ResolvedStrategy;
}

/**
 * Answers every item, yielding results in input order as windows of items finish. Memory stays
 * bounded by `windowSize` times the windows in flight (two), whatever the input's length.
 */
export function streamBatchPrompt(options: BatchPromptOptions): BatchPromptStream {
  const strategy = strategyOfRun(options);
  // An array is checked whole before the first call, so that a bad item near its end costs nothing;
  // items of an iterable are checked as their window is read.
  const checkedUpFront = Array.isArray(options.items);
  if (checkedUpFront) {
    for (const [index, item] of (options.items as readonly unknown[]).entries()) {
      checkItem(options.task, item, index);
    }
  }
  const context = new RunContext(options, strategy);
  const windowsInFlight = 2;

  async function* results(): AsyncGenerator<ItemResult> {
    const pending: Promise<ItemResult[]>[] = [];
    let nextIndex = 0;
    let windowIndex = 0;
    try {
      for await (const window of windowsOf(options.items, strategy.windowSize, firstWindowSize(strategy))) {
        context.throwIfAborted();
        const states: ItemState[] = window.map((item) => {
          const index = nextIndex;
          nextIndex += 1;
          if (!checkedUpFront) checkItem(options.task, item, index);
          return {
            index,
            item,
            tokens: countTokens(renderItem(options.task, item, 0, 'abcd')),
            votes: [],
            problems: [],
            callFailed: false,
            rounds: 0,
          };
        });
        const running = runWindow(context, { index: windowIndex, items: states, active: states }).catch(
          (error: unknown) => {
            // The windows waiting for this one's decision fail with it.
            context.adaptive.fail(error);
            throw error;
          },
        );
        // Keep the rejection observed until its turn comes, so an abort is not reported twice.
        running.catch(() => {});
        pending.push(running);
        windowIndex += 1;
        while (pending.length >= windowsInFlight) {
          const finished = await pending.shift()!;
          context.reportProgress();
          yield* finished;
        }
      }
      while (pending.length > 0) {
        const finished = await pending.shift()!;
        context.reportProgress();
        yield* finished;
      }
    } finally {
      await Promise.allSettled(pending);
      context.dispose();
    }
  }

  return {
    [Symbol.asyncIterator]: () => results(),
    summary: () => context.summary(),
    strategy,
  };
}

/** Answers every item and returns all results, in input order, with the run's summary. */
export async function batchPrompt(
  options: BatchPromptOptions,
): Promise<{ results: ItemResult[]; summary: StreamSummary }> {
  const stream = streamBatchPrompt(options);
  const results: ItemResult[] = [];
  for await (const result of stream) results.push(result);
  return { results, summary: stream.summary() };
}
