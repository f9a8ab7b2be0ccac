import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { batchPrompt } from '../engine/batch-prompt.js';
import { readRenderedBatch } from '../prompt/read-rendered-batch.js';
import { renderAnswerLine, renderReply } from '../prompt/render-batch.js';
import { createSimModel } from '../sim/create-sim-model.js';
import { loadItems } from '../source/load-items.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { createScriptedModel } from '../test/scripted-model.js';
import { describeReplyFormat } from './reply-format-rule.js';

/*
 * `auto` on whole runs: a billed model is asked in lines, and a run whose line replies keep
 * failing to parse goes on in JSON, says so in its summary and loses no item.
 */

const demoFile = fileURLToPath(new URL('../../examples/demo/yes-no.jsonl', import.meta.url));

describe('format auto in a run', () => {
  it('asks a model billed per output token in lines, and stays there while its lines parse', async () => {
    const items = await loadItems(demoFile, boolqTask);
    const model = createSimModel({ task: boolqTask, items, seed: 4 });
    const { results, summary } = await batchPrompt({
      task: boolqTask,
      items,
      model,
      strategy: 'bpe',
      rounds: 2,
    });
    expect(summary.strategy.format).toBe('lines');
    expect(summary.replyFormat).toEqual({ chosenBy: 'auto', initial: 'lines', current: 'lines' });
    expect(results.every((result) => result.status === 'answered')).toBe(true);
  });

  it('switches a simulated model that drifts from lines to JSON, says when, and loses no item', async () => {
    const items = await loadItems(demoFile, boolqTask);
    const seed = 4;
    const options = { task: boolqTask, items, strategy: 'bpe' as const, batchSize: 4, rounds: 2, seed };
    const drifting = createSimModel({ task: boolqTask, items, seed, lineDrift: 0.5 });
    const { results, summary } = await batchPrompt({ ...options, model: drifting });
    expect(summary.replyFormat).toMatchObject({
      chosenBy: 'auto',
      initial: 'lines',
      current: 'json',
      switched: { to: 'json', unreadable: 2 },
    });
    const switched = summary.replyFormat.switched!;
    expect(switched.afterReplies).toBeGreaterThanOrEqual(2);
    expect(describeReplyFormat(summary.replyFormat)).toMatch(
      /^lines \(auto\); switched to json after \d+ line replies \(2 of the last \d+ unreadable as lines: no-answers\)$/,
    );
    expect(results).toHaveLength(items.length);
    expect(results.filter((result) => result.status !== 'answered')).toEqual([]);
    expect(results.every((result) => result.rounds === 2)).toBe(true);
    // The same model asked in lines throughout (`--format lines`) keeps failing and re-asking.
    const given = await batchPrompt({ ...options, model: drifting, format: 'lines' });
    expect(given.summary.replyFormat).toEqual({ chosenBy: 'given', initial: 'lines', current: 'lines' });
    expect(given.summary.reasks).toBeGreaterThan(summary.reasks);
  });

  it('gives each item its own answer across the switch, by index and batch code', async () => {
    const items = Array.from({ length: 24 }, (_, index) => ({
      id: `row-${index}`,
      fields: { question: `is ${index} even?`, passage: `number ${index}` },
    }));
    const truth = (question: string) => (Number(/\d+/.exec(question)?.[0]) % 2 === 0 ? 'yes' : 'no');
    // Lines replies come back in prose for the first three calls, then as asked; JSON always fits.
    let lineCalls = 0;
    const model = createScriptedModel({
      id: 'openai:gpt-4.1-mini',
      supportsJsonSchema: true,
      reply: (request) => {
        const batch = readRenderedBatch(request.messages.at(-1)!.content);
        const answers = batch.map((entry) => ({
          answer: truth(entry.fields.question ?? ''),
          confident: true,
        }));
        if (request.responseFormat?.type === 'json')
          return renderReply(answers, 'json', batch[0]!.tag, false);
        lineCalls += 1;
        if (lineCalls <= 3)
          return answers.map((entry, index) => `Input ${index} is ${entry.answer}.`).join('\n');
        return batch
          .map((entry, index) => renderAnswerLine(entry.index, entry.tag, answers[index]!.answer, true))
          .join('\n');
      },
    });
    const { results, summary } = await batchPrompt({
      task: boolqTask,
      items,
      model,
      strategy: 'bpe',
      batchSize: 8,
      rounds: 2,
    });
    expect(summary.replyFormat.switched).toMatchObject({ unreadable: 2, issue: 'no-answers' });
    for (const result of results) {
      const index = Number(result.id.slice('row-'.length));
      expect({ id: result.id, answer: result.answer }).toEqual({
        id: result.id,
        answer: index % 2 === 0 ? 'yes' : 'no',
      });
    }
    // Every request after the switch asks for JSON, re-asks included.
    const firstJson = model.requests.findIndex((request) => request.responseFormat?.type === 'json');
    expect(firstJson).toBeGreaterThan(0);
    expect(model.requests.slice(firstJson).every((request) => request.responseFormat?.type === 'json')).toBe(
      true,
    );
  });
});
