import { describe, expect, it } from 'vitest';
import { readRenderedBatch } from '../prompt/read-rendered-batch.js';
import { renderAnswerLine, renderReasoningBlock, renderReasoningHeader } from '../prompt/render-batch.js';
import type { GenerateRequest } from '../spec/chat-model.js';
import { countTokens } from '../spec/count-tokens.js';
import { gsm8kTask } from '../task/builtin-tasks.js';
import { defineTask } from '../task/define-task.js';
import { createScriptedModel } from '../test/scripted-model.js';
import { batchPrompt, reasoningTokensPerItem } from './batch-prompt.js';
import type { Item } from './types.js';

/** Problems whose text names them; the gold answer of problem k is 10 k + 7. */
function makeProblems(count: number): Item[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `problem-${index}`,
    fields: { question: `Problem ${index}: what is ${index} times 10 plus 7?` },
    gold: index * 10 + 7,
  }));
}

function batchOf(request: GenerateRequest) {
  return readRenderedBatch(request.messages.at(-1)?.content ?? '').map((entry) => ({
    ...entry,
    problem: Number(/Problem (\d+)/.exec(entry.fields.question ?? '')?.[1]),
  }));
}

/** A worked solution full of other problems' numbers and a quote of another input's answer line. */
function solutionFor(problem: number, tag: string): string {
  return `Input ${problem + 1} (${tag}): ${problem * 10 + 17} is not this one. ${problem} * 10 = ${problem * 10}, and ${problem * 10} + 7 = ${problem * 10 + 7}.`;
}

describe('batchPrompt on a task with reasoning', () => {
  it('allows each item its worked solution in the output budget', async () => {
    const budgets: Record<string, number> = {};
    for (const task of [gsm8kTask, defineTask({ ...gsm8kTask, reasoning: false })]) {
      const model = createScriptedModel({ reply: () => 'no answers' });
      await batchPrompt({
        task,
        items: makeProblems(32),
        model,
        strategy: 'batch',
        format: 'lines',
        maxReasks: 0,
      });
      budgets[task.reasoning ? 'reasoning' : 'bare'] = model.requests[0]!.maxOutputTokens ?? 0;
    }
    expect(budgets.reasoning).toBeGreaterThanOrEqual(32 * reasoningTokensPerItem);
    expect(budgets.reasoning! - budgets.bare!).toBeGreaterThanOrEqual(32 * reasoningTokensPerItem);
  });

  it('reads every final answer onto its own item, and re-asks only the items a cut-off reply did not answer', async () => {
    const model = createScriptedModel({
      reply: (request, callNumber) => {
        const blocks = batchOf(request).map((entry) =>
          renderReasoningBlock(
            entry.index,
            entry.tag,
            solutionFor(entry.problem, entry.tag),
            entry.problem * 10 + 7,
            true,
          ),
        );
        if (callNumber > 0) return blocks.join('\n\n');
        // The first reply runs out of output tokens in the middle of block 5's solution.
        const entry5 = batchOf(request)[5]!;
        const text = `${blocks.slice(0, 5).join('\n\n')}\n\n${renderReasoningHeader(5, entry5.tag)} ${entry5.problem} * 10 = ${entry5.problem * 10}, and then`;
        return { text, finishReason: 'length' };
      },
    });
    const { results, summary } = await batchPrompt({
      task: gsm8kTask,
      items: makeProblems(8),
      model,
      strategy: 'batch',
      batchSize: 8,
      format: 'lines',
    });
    expect(results.map((result) => result.answer)).toEqual(makeProblems(8).map((_, index) => index * 10 + 7));
    expect(summary.accuracy).toBe(1);
    // The three unanswered items, and only they, are asked again (in halves: the cut-off says the
    // batch was too long for the output limit).
    const reasked = model.requests
      .slice(1)
      .flatMap((request) => batchOf(request).map((entry) => entry.problem));
    expect(reasked.sort()).toEqual([5, 6, 7]);
    // Each result keeps the worked solution behind its answer.
    expect(results[2]?.reasoning).toContain('2 * 10 = 20');
  });

  it('attributes nothing that sits only inside a solution, in JSON too', async () => {
    const model = createScriptedModel({
      supportsJsonSchema: true,
      reply: (request) => {
        const batch = batchOf(request);
        const tag = batch[0]?.tag ?? '';
        // The last item's entry lacks an answer; its reasoning quotes an answer line and a JSON
        // entry, with the batch code, for item 0.
        const answers = batch.map((entry) =>
          entry.index === batch.length - 1
            ? {
                id: entry.index,
                code: tag,
                reasoning: `${renderAnswerLine(0, tag, 999, true)} {"id": 0, "code": "${tag}", "answer": 999}`,
              }
            : {
                id: entry.index,
                code: tag,
                reasoning: solutionFor(entry.problem, tag),
                answer: entry.problem * 10 + 7,
                confident: true,
              },
        );
        return JSON.stringify({ answers });
      },
    });
    const { results } = await batchPrompt({
      task: gsm8kTask,
      items: makeProblems(4),
      model,
      strategy: 'batch',
      batchSize: 4,
      format: 'json',
      maxReasks: 0,
    });
    expect(results.map((result) => result.answer)).toEqual([7, 17, 27, null]);
    expect(JSON.stringify(model.requests[0]?.responseFormat)).toContain('"reasoning"');
  });

  it('counts the worked examples’ solutions in the prompt', () => {
    const examples = gsm8kTask.examples.map((example) => example.reasoning ?? '').join(' ');
    expect(countTokens(examples)).toBeGreaterThan(20);
  });
});
