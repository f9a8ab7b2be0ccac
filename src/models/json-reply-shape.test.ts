import { describe, expect, it } from 'vitest';
import { batchPrompt } from '../engine/batch-prompt.js';
import type { Item } from '../engine/types.js';
import { answerJsonSchema } from '../prompt/render-batch.js';
import { createModel } from '../providers/create-model.js';
import { createSimModel } from '../sim/create-sim-model.js';
import { startSimServer } from '../sim/serve.js';
import type { ChatModel } from '../spec/chat-model.js';
import { gsm8kTask, rteTask } from '../task/builtin-tasks.js';
import { defineTask } from '../task/define-task.js';
import type { Task } from '../task/task-schema.js';

/*
 * JSON replies through the real SDK path: the AI SDK's OpenAI adapter (strict JSON schema) and
 * its OpenAI-compatible one, against `sim serve`. The request carries the reply schema as built,
 * the server answers in the entry shape it asks for (`{"id": "3 k9q2", "answer": "... sure"}`),
 * and a run over HTTP records exactly the answers of the in-process simulator, for a labels task,
 * a number task with worked solutions and a text task.
 */

const capitalTask = defineTask({
  name: 'capitals',
  instruction: 'Name the capital city of the country.',
  fields: ['country'],
  answer: { type: 'text', maxWords: 3 },
});

const capitals = ['Paris', 'Buenos Aires', 'Canberra', 'Nairobi', 'Lima', 'Oslo', 'Hanoi', 'Quito'];

function itemsOf(task: Task): Item[] {
  if (task === rteTask)
    return Array.from({ length: 12 }, (_, index) => ({
      id: `r${index}`,
      fields: { premise: `Harbour ${index} stays open all year.`, hypothesis: `Harbour ${index} is open.` },
      gold: index % 3 === 0 ? 'not_entailment' : 'entailment',
    }));
  if (task === gsm8kTask)
    return Array.from({ length: 6 }, (_, index) => ({
      id: `g${index}`,
      fields: { question: `Ann has ${index + 3} apples and buys ${2 * index} more. How many has she?` },
      gold: 3 * index + 3,
    }));
  return capitals.map((capital, index) => ({
    id: `c${index}`,
    fields: { country: `country number ${index}` },
    gold: capital,
  }));
}

/** The model, recording the text of each reply it gets. */
function recording(model: ChatModel): { model: ChatModel; replies: string[] } {
  const replies: string[] = [];
  return {
    replies,
    model: {
      ...model,
      async generate(request) {
        const result = await model.generate(request);
        replies.push(result.text);
        return result;
      },
    },
  };
}

describe('JSON replies through the AI SDK against sim serve', () => {
  for (const task of [rteTask, gsm8kTask, capitalTask]) {
    it(`answer in the entry shape the schema asks for, as the in-process simulator does (${task.name})`, async () => {
      const items = itemsOf(task);
      const server = await startSimServer({ task, items, seed: 5, quiet: true });
      const bodies: Record<string, unknown>[] = [];
      const capture: typeof fetch = async (input, init) => {
        if (typeof init?.body === 'string') bodies.push(JSON.parse(init.body) as Record<string, unknown>);
        return fetch(input, init);
      };
      try {
        const options = {
          task,
          items,
          batchSize: 6,
          rounds: 2,
          strategy: 'bpe' as const,
          format: 'json' as const,
        };
        const inProcess = await batchPrompt({ ...options, model: createSimModel({ task, items, seed: 5 }) });
        for (const uri of ['openai:gpt-4.1-mini', 'openai-compatible:sim']) {
          bodies.length = 0;
          const { model, replies } = recording(
            createModel(uri, { baseUrl: server.url, apiKey: 'sk-test', env: {}, fetch: capture }),
          );
          const remote = await batchPrompt({ ...options, model });
          expect(remote.results.map((result) => result.votes)).toEqual(
            inProcess.results.map((result) => result.votes),
          );
          expect(remote.results.every((result) => result.status === 'answered')).toBe(true);
          // The schema reached the server as built; OpenAI's adapter asks for strict mode.
          const format = bodies[0]?.response_format as { json_schema: { schema: unknown; strict?: boolean } };
          expect(format.json_schema.schema).toEqual(answerJsonSchema(task));
          if (uri.startsWith('openai:')) expect(format.json_schema.strict).toBe(true);
          // Every entry of every reply has the id and answer the prompt asks for.
          const keys = task.reasoning ? ['id', 'reasoning', 'answer'] : ['id', 'answer'];
          for (const reply of replies) {
            for (const entry of (JSON.parse(reply) as { answers: Record<string, string>[] }).answers) {
              expect(Object.keys(entry)).toEqual(keys);
              expect(entry.id).toMatch(/^\d+ [a-z0-9]{4}$/);
              expect(entry.answer).toMatch(/ (?:sure|unsure)$/);
            }
          }
        }
      } finally {
        await server.close();
      }
    });
  }
});
