import { describe, expect, it } from 'vitest';
import { threeOutputTask } from '../../test/three-output-task.js';
import {
  type OutputAnswerText,
  renderOutputsAnswerLine,
  renderOutputsJsonEntry,
} from '../prompt/render-outputs.js';
import { type ParsedOutputsReply, parseOutputsReply } from './parse-outputs-reply.js';

/*
 * The reply layouts and faults the single-answer parser is tested with (parse-reply.layouts.test.ts),
 * written as replies of a task with three outputs, each answered truthfully for every item:
 * whatever the layout, every output's answer lands on its own item or on none, never on another
 * item, and never on another output.
 */

const task = threeOutputTask;

const tag = 'nf3u';
const count = 16;
const topics = ['billing', 'delivery', 'account'] as const;
/** Item k's true answers: patterns with no short period, different per output, so a shift shows. */
const truth = Array.from({ length: count }, (_, index) => ({
  topic: topics[(index * 7 + (index >> 2)) % 3]!,
  urgency: [0, 3, 5, 6, 9, 10, 12, 15].includes(index) ? 'high' : 'low',
  mentions: [['refund'], [], ['deadline', 'callback'], ['callback'], ['refund', 'deadline']][
    (index * 3 + 1) % 5
  ]!,
}));

function rowOf(
  index: number,
  order: readonly string[] = ['topic', 'urgency', 'mentions'],
): OutputAnswerText[] {
  const own = truth[index]!;
  return order.map((name) => ({ name, answer: own[name as keyof typeof own], confident: true }));
}

/** Our own answer lines for items `from .. to - 1`, written under index `k + offset`. */
function answerLines(offset = 0, from = 0, to = count, code = tag): string[] {
  return truth
    .slice(from, to)
    .map((_, position) => renderOutputsAnswerLine(from + position + offset, code, rowOf(from + position)));
}

function jsonEntries(offset = 0, from = 0, to = count, code = tag): Record<string, string>[] {
  return truth
    .slice(from, to)
    .map((_, position) => renderOutputsJsonEntry(from + position + offset, code, rowOf(from + position)));
}

function read(text: string, format: 'lines' | 'json' = 'lines', truncated = false): ParsedOutputsReply {
  return parseOutputsReply(task, text, { format, expectedCount: count, tag, truncated });
}

/**
 * Every output answer given is that item's own answer for that output, and every item without
 * some answer says why; returns how many items got all three outputs.
 */
function expectNoMisattribution(parsed: ParsedOutputsReply): number {
  let complete = 0;
  parsed.items.forEach((item, index) => {
    for (const [name, given] of item.answers) {
      const own = truth[index]![name as keyof (typeof truth)[number]];
      expect({ index, name, answer: given.answer }).toEqual({ index, name, answer: own });
    }
    const missing = item.missing.map((entry) => entry.output);
    expect([...item.answers.keys(), ...missing].sort()).toEqual(['mentions', 'topic', 'urgency']);
    if (missing.length === 0) complete += 1;
  });
  return complete;
}

describe('multi-output lines in the layouts real models write', () => {
  it('reads our own lines, in any order of lines and of outputs within a line', () => {
    const lines = answerLines().map((line, index) =>
      index % 2 === 0
        ? line
        : renderOutputsAnswerLine(index, tag, rowOf(index, ['mentions', 'topic', 'urgency'])),
    );
    expect(expectNoMisattribution(read(lines.reverse().join('\n')))).toBe(count);
  });

  it('reads lines numbered 1..N with the batch code, also after a preamble naming Input 0', () => {
    expect(expectNoMisattribution(read(answerLines(1).join('\n')))).toBe(count);
    const preamble = `Input 0 (${tag}) to Input ${count - 1} (${tag}), in order:`;
    expect(expectNoMisattribution(read([preamble, ...answerLines(1)].join('\n')))).toBe(count);
    const closing = `Input 0 (${tag}) was the hardest one.`;
    expect(expectNoMisattribution(read([...answerLines(1), '', closing].join('\n')))).toBe(count);
  });

  it('attributes nothing when lines numbered from 1 are joined by a line that reads as index 0, or cut short', () => {
    const stray = `0 (${tag}): topic=billing sure; urgency=low sure; mentions=none sure`;
    expect(expectNoMisattribution(read([...answerLines(1), stray].join('\n')))).toBe(0);
    const preamble = `Input 0 (${tag}) to Input ${count - 1} (${tag}):`;
    expect(expectNoMisattribution(read([preamble, ...answerLines(1, 0, 10)].join('\n')))).toBe(0);
    expect(expectNoMisattribution(read(answerLines(1, 0, 10).join('\n')))).toBe(0);
  });

  it('reads a markdown numbered list, bold numbers and codes, a code fence and chatter around our lines', () => {
    const lines = answerLines();
    expect(expectNoMisattribution(read(lines.map((line, index) => `${index + 1}. ${line}`).join('\n')))).toBe(
      count,
    );
    const bold = lines.map((line) => line.replace(/^(\d+ \([^)]*\))/, '**$1**'));
    expect(expectNoMisattribution(read(bold.join('\n')))).toBe(count);
    expect(expectNoMisattribution(read(`\`\`\`\n${lines.join('\n')}\n\`\`\``))).toBe(count);
    const chatty = `Here are my answers for the ${count} inputs:\n\n${lines.join('\n')}\n\nLet me know if you would like the reasoning behind any of these.`;
    expect(expectNoMisattribution(read(chatty))).toBe(count);
  });

  it('reads the batch code in capitals and output names in another spelling', () => {
    const lines = answerLines(0, 0, count, tag.toUpperCase()).map((line) =>
      line.replace('topic=', 'Topic = ').replace('mentions=', 'MENTIONS: '),
    );
    expect(expectNoMisattribution(read(lines.join('\n')))).toBe(count);
  });

  it('ignores an inline JSON mention and a quoted worked example of another code', () => {
    const example = JSON.stringify({ answers: [renderOutputsJsonEntry(0, 'ex', rowOf(5))] });
    const reply = [
      `Following the example ${example}, my answers:`,
      ...answerLines(),
      `In JSON the first would be {"id": "0", "topic": "account"}.`,
    ];
    expect(expectNoMisattribution(read(reply.join('\n'), 'json'))).toBe(count);
  });

  it('attributes nothing for an index written twice with different answers, and keeps the rest', () => {
    const lines = answerLines();
    const conflicting = renderOutputsAnswerLine(4, tag, [
      { name: 'topic', answer: truth[4]!.topic === 'billing' ? 'account' : 'billing', confident: true },
      { name: 'urgency', answer: truth[4]!.urgency, confident: true },
      { name: 'mentions', answer: truth[4]!.mentions, confident: true },
    ]);
    lines.splice(5, 0, conflicting);
    const parsed = read(lines.join('\n'));
    expectNoMisattribution(parsed);
    expect(parsed.items[4]!.answers.size).toBe(0);
  });

  it('never shifts answers when an index is skipped, an extra line is added, or every index is off by one', () => {
    const skipped = answerLines();
    skipped.splice(6, 1);
    const parsed = read(skipped.join('\n'));
    expectNoMisattribution(parsed);
    expect(parsed.items[6]!.answers.size).toBe(0);
    const extra = [...answerLines(), renderOutputsAnswerLine(count, tag, rowOf(0))];
    expectNoMisattribution(read(extra.join('\n')));
    // Lines 1..N with index N past the batch: read as numbered from 1, or not at all.
    expectNoMisattribution(read(answerLines(1, 0, count).join('\n')));
  });

  it('attributes nothing from lines under another batch code, or from sentences without one', () => {
    expect(expectNoMisattribution(read(answerLines(0, 0, count, 'zz9q').join('\n')))).toBe(0);
    const drifted = truth.map(
      (own, index) => `Input ${index} is about ${own.topic}, ${own.urgency} urgency, I am sure.`,
    );
    expect(expectNoMisattribution(read(`Sure! Here is what I think.\n\n${drifted.join('\n')}`))).toBe(0);
  });

  it('switching from 0-based to 1-based numbering halfway keeps only the items before the switch', () => {
    const reply = [...answerLines(0, 0, 8), ...answerLines(1, 8, count)];
    const parsed = read(reply.join('\n'));
    expect(expectNoMisattribution(parsed)).toBeLessThanOrEqual(8);
  });

  it('keeps the outputs a line answers when another output’s answer belongs to a different output', () => {
    const lines = answerLines();
    lines[3] = renderOutputsAnswerLine(3, tag, [
      { name: 'topic', answer: 'high', confident: true },
      { name: 'urgency', answer: truth[3]!.urgency, confident: true },
      { name: 'mentions', answer: truth[3]!.mentions, confident: true },
    ]);
    const parsed = read(lines.join('\n'));
    expect(expectNoMisattribution(parsed)).toBe(count - 1);
    expect(parsed.items[3]!.missing.map((entry) => entry.output)).toEqual(['topic']);
  });
});

describe('multi-output JSON in the layouts real models write', () => {
  it('reads our entries, and entries numbered 1..N with the code', () => {
    expect(expectNoMisattribution(read(JSON.stringify({ answers: jsonEntries() }), 'json'))).toBe(count);
    expect(expectNoMisattribution(read(JSON.stringify({ answers: jsonEntries(1) }), 'json'))).toBe(count);
  });

  it('reads entries keyed by index and code, with outputs as objects of answer and confidence', () => {
    const keyed = Object.fromEntries(
      truth.map((own, index) => [
        `${index} (${tag})`,
        Object.fromEntries(Object.entries(own).map(([name, answer]) => [name, { answer, confident: true }])),
      ]),
    );
    expect(expectNoMisattribution(read(JSON.stringify({ answers: keyed }), 'json'))).toBe(count);
  });

  it('ignores a quoted worked example entry and never fills a gap with it', () => {
    const example = JSON.stringify({ answers: [renderOutputsJsonEntry(1, 'ex', rowOf(9))] });
    const own = jsonEntries().filter((_, index) => index !== 1);
    const parsed = read(`${example}\n${JSON.stringify({ answers: own })}`, 'json');
    expectNoMisattribution(parsed);
    expect(parsed.items[1]!.answers.size).toBe(0);
  });

  it('attributes nothing from entries of another batch, or when entries and answer lines both claim the batch', () => {
    expect(
      expectNoMisattribution(read(JSON.stringify({ answers: jsonEntries(0, 0, count, 'zz9q') }), 'json')),
    ).toBe(0);
    const both = `${JSON.stringify({ answers: jsonEntries(0, 0, 8) })}\n${answerLines(0, 8).join('\n')}`;
    expectNoMisattribution(read(both, 'json'));
  });

  it('attributes nothing for an id written twice, and keeps the whole entries of a reply cut off inside one', () => {
    const entries = jsonEntries();
    entries.splice(3, 0, {
      ...entries[2]!,
      topic: `${truth[2]!.topic === 'billing' ? 'account' : 'billing'} sure`,
    });
    const parsed = read(JSON.stringify({ answers: entries }), 'json');
    expectNoMisattribution(parsed);
    expect(parsed.items[2]!.answers.size).toBe(0);
    const whole = JSON.stringify({ answers: jsonEntries() });
    const cut = whole.slice(0, whole.indexOf(`"id":"12 ${tag}"`) + 12);
    expect(expectNoMisattribution(read(cut, 'json', true))).toBeGreaterThanOrEqual(10);
  });
});
