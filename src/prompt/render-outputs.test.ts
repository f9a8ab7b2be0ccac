import { describe, expect, it } from 'vitest';
import { parseOutputsReply } from '../parse/parse-outputs-reply.js';
import { loadTask } from '../task/load-task.js';
import type { MultiOutputTask } from '../task/task-schema.js';
import { renderBatch } from './render-batch.js';

const task = loadTask(
  new URL('../../examples/tickets/task.yaml', import.meta.url).pathname,
) as MultiOutputTask;
const entries = [
  { fields: { subject: 'Fee', body: 'A fee I did not expect.' } },
  { fields: { subject: 'Card', body: 'Late.' } },
];

describe('renderBatch for a task with outputs', () => {
  it('names every output and the line that answers them all, and shows the examples in that line', () => {
    const rendered = renderBatch(task, entries, { format: 'lines', tag: 'k9q2' });
    const system = rendered.messages[0]!.content;
    expect(system).toContain('Answer these 4 questions about each input:');
    expect(system).toContain(
      '- urgency (how soon the customer needs an answer): exactly one of these labels: low, normal, high',
    );
    expect(system).toContain(
      '- mentions (everything on this list that the ticket mentions; none is a valid answer): any of these labels, separated by commas, or none when no label applies:',
    );
    expect(system).toContain(
      '<k> (<code>): topic=<label> sure; urgency=<label> sure; tone=<label> sure; mentions=<labels> sure',
    );
    expect(rendered.messages[2]!.content).toContain(
      '2 (ex): topic=account sure; urgency=low sure; tone=positive sure; mentions=none sure',
    );
    expect(rendered.outputs).toEqual(['topic', 'urgency', 'tone', 'mentions']);
    expect(rendered.messages.at(-1)!.content).not.toContain('This time answer only');
  });

  it('reads its own worked examples back as the answers they give', () => {
    const rendered = renderBatch(task, entries, { format: 'lines', tag: 'k9q2' });
    const parsed = parseOutputsReply(task, rendered.messages[2]!.content, {
      format: 'lines',
      expectedCount: 3,
      tag: 'ex',
    });
    expect(
      parsed.items.map((item) => [...((item.answers.get('mentions')?.answer as string[]) ?? [])].sort()),
    ).toEqual(task.examples.map((example) => [...(example.answers.mentions as string[])].sort()));
  });

  it('asks only some outputs in a re-ask, keeping the system message and examples of the whole task', () => {
    const whole = renderBatch(task, entries, { format: 'json', tag: 'k9q2' });
    const some = renderBatch(task, entries, {
      format: 'json',
      tag: 'k9q2',
      outputs: ['mentions', 'urgency'],
    });
    expect(some.messages.slice(0, -1)).toEqual(whole.messages.slice(0, -1));
    expect(some.outputs).toEqual(['urgency', 'mentions']);
    expect(some.messages.at(-1)!.content).toContain(
      'This time answer only the questions urgency, mentions: one entry {"id":"<k> k9q2","urgency":"<label> sure","mentions":"<labels> sure"} per input.',
    );
    const schema = JSON.stringify(some.responseFormat);
    expect(schema).toContain('"required":["id","urgency","mentions"]');
    expect(schema).not.toContain('"topic"');
  });
});
