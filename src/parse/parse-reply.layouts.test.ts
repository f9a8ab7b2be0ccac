import { describe, expect, it } from 'vitest';
import { exampleTag, renderAnswerLine, renderBatch, renderJsonAnswerEntry } from '../prompt/render-batch.js';
import { rteTask } from '../task/builtin-tasks.js';
import { defineTask } from '../task/define-task.js';
import { type ParsedReply, parseReply } from './parse-reply.js';

/*
 * Reply layouts that real models write, each answered truthfully for every item: whatever the
 * layout, an answer either lands on its own item or on none.
 */

const tag = 'nf3u';
const count = 16;
/** The true label of item k: a pattern with no period of 1 or 2, so a shifted answer shows. */
const truth = Array.from({ length: count }, (_, index) =>
  [0, 3, 5, 6, 9, 10, 12, 15].includes(index) ? 'entailment' : 'not_entailment',
);

function read(text: string, format: 'lines' | 'json' = 'lines', expectedCount = count): ParsedReply {
  return parseReply(rteTask, text, { format, expectedCount, tag });
}

/** Every answer given is the item's own; returns how many items got one. */
function expectNoMisattribution(parsed: ParsedReply): number {
  let answered = 0;
  parsed.answers.forEach((answer, index) => {
    if (answer === undefined) return;
    answered += 1;
    expect({ index, answer: answer.answer }).toEqual({ index, answer: truth[index] });
  });
  const explained = new Set(parsed.problems.map((problem) => problem.index));
  parsed.answers.forEach((answer, index) => {
    expect(explained.has(index)).toBe(answer === undefined);
  });
  return answered;
}

/** Our own answer lines for items `from .. to - 1`, written under index `k + offset`. */
function answerLines(offset: number, from = 0, to = count, code = tag): string[] {
  return truth
    .slice(from, to)
    .map((label, position) => renderAnswerLine(from + position + offset, code, label, true));
}

function jsonReply(entries: readonly { id: number | string; answer: string; code?: string }[]): string {
  return JSON.stringify({ answers: entries.map((entry) => ({ ...entry, confident: true })) });
}

const workedExample = renderBatch(rteTask, [{ fields: { premise: 'p', hypothesis: 'h' } }], {
  format: 'json',
  tag,
}).messages.find((message) => message.role === 'assistant')?.content;

describe('replies numbered from 1 with a stray line that reads as index 0', () => {
  it('reads lines numbered 1..N after a preamble that names Input 0: the preamble answers nothing', () => {
    const reply = [`Input 0 (${tag}) to Input ${count - 1} (${tag}), in order:`, ...answerLines(1)].join(
      '\n',
    );
    const parsed = read(reply);
    expect(expectNoMisattribution(parsed)).toBe(count);
    expect(parsed.numbering).toBe('one-based');
  });

  it('reads lines numbered 1..N followed by a closing remark that mentions Input 0', () => {
    const reply = [...answerLines(1), '', `Input 0 (${tag}) was the hardest one.`].join('\n');
    expect(expectNoMisattribution(read(reply))).toBe(count);
  });

  it('attributes nothing when the stray line reads as an answer line for index 0', () => {
    const reply = [...answerLines(1), `Input 0 (${tag}): see the note above`].join('\n');
    const parsed = read(reply);
    expect(expectNoMisattribution(parsed)).toBe(0);
    expect(parsed.issue?.kind).toBe('numbering-out-of-range');
  });

  it('attributes nothing when such a reply is cut short, so no index is out of range', () => {
    const reply = [`Input 0 (${tag}) to Input ${count - 1} (${tag}):`, ...answerLines(1, 0, 10)].join('\n');
    expect(expectNoMisattribution(read(reply))).toBe(0);
  });

  it('attributes nothing when lines counted from 1 are cut short and nothing names index 0', () => {
    expect(expectNoMisattribution(read(answerLines(1, 0, 10).join('\n')))).toBe(0);
  });
});

describe('quoted worked examples and inline JSON', () => {
  it('ignores the quoted example JSON before answer lines, in a JSON request', () => {
    expect(workedExample).toContain(`"id":"0 ${exampleTag}"`);
    const reply = [`Following the example ${workedExample}, my answers:`, ...answerLines(0)].join('\n');
    const parsed = read(reply, 'json');
    expect(expectNoMisattribution(parsed)).toBe(count);
  });

  it('ignores a quoted example JSON without codes (an older prompt) before answer lines', () => {
    const example = jsonReply([
      { id: 0, answer: 'not_entailment' },
      { id: 1, answer: 'entailment' },
    ]);
    const parsed = read([example, ...answerLines(0)].join('\n'), 'json');
    expect(expectNoMisattribution(parsed)).toBe(count);
  });

  it('ignores an inline JSON mention inside a lines reply', () => {
    const reply = [...answerLines(0), 'In JSON the first would be {"id": 0, "answer": "not_entailment"}.'];
    expect(expectNoMisattribution(read(reply.join('\n')))).toBe(count);
  });

  it('never fills a gap of a JSON answer with the quoted example entry', () => {
    const own = truth
      .map((label, index) => renderJsonAnswerEntry(index, tag, label, true))
      .filter((_, index) => index !== 1);
    const reply = `${workedExample}\n${JSON.stringify({ answers: own })}`;
    const parsed = read(reply, 'json');
    // Item 0 comes before the gap; the later ones might be shifted, so they wait for a re-ask.
    expect(expectNoMisattribution(parsed)).toBe(1);
    expect(parsed.answers[1]).toBeUndefined();
  });

  it('never fills a gap with a quoted example entry when neither carries a code', () => {
    const example = jsonReply([
      { id: 0, answer: 'not_entailment' },
      { id: 1, answer: 'not_entailment' },
    ]);
    const own = jsonReply(truth.map((answer, id) => ({ id, answer })).filter((entry) => entry.id !== 1));
    const parsed = read(`${example}\n${own}`, 'json');
    expect(expectNoMisattribution(parsed)).toBe(0);
    expect(parsed.issue?.kind).toBe('no-code');
  });

  it('attributes nothing when JSON entries and answer lines both claim the batch', () => {
    const entries = truth.map((label, index) => renderJsonAnswerEntry(index + 1, tag, label, true));
    const reply = [JSON.stringify({ answers: entries }), ...answerLines(0)].join('\n');
    const parsed = read(reply, 'json');
    expect(expectNoMisattribution(parsed)).toBe(0);
    expect(parsed.issue?.kind).toBe('mixed-formats');
  });
});

describe('one clear convention other than ours is read', () => {
  it('reads lines numbered 1..N exactly once each with the batch code', () => {
    const parsed = read(answerLines(1).join('\n'));
    expect(expectNoMisattribution(parsed)).toBe(count);
    expect(parsed.numbering).toBe('one-based');
  });

  it('reads JSON entries numbered 1..N with the batch code', () => {
    const entries = truth.map((label, index) => renderJsonAnswerEntry(index + 1, tag, label, true));
    expect(expectNoMisattribution(read(JSON.stringify({ answers: entries }), 'json'))).toBe(count);
  });

  it('reads a markdown numbered list wrapping our lines', () => {
    const reply = answerLines(0).map((line, index) => `${index + 1}. ${line}`);
    expect(expectNoMisattribution(read(reply.join('\n')))).toBe(count);
  });

  it('reads the batch code in another letter case', () => {
    expect(expectNoMisattribution(read(answerLines(0, 0, count, tag.toUpperCase()).join('\n')))).toBe(count);
  });

  it('reads a JSON id written as "Input 3" or "3 (code)"', () => {
    const reply = jsonReply(
      truth.map((answer, index) =>
        index % 2 === 0 ? { id: `Input ${index}`, code: tag, answer } : { id: `${index} (${tag})`, answer },
      ),
    );
    expect(expectNoMisattribution(read(reply, 'json'))).toBe(count);
  });

  it('attributes nothing when 1..N is written but one index twice', () => {
    const lines = answerLines(1);
    lines[4] = renderAnswerLine(4, tag, truth[4]!, true);
    expect(expectNoMisattribution(read(lines.join('\n')))).toBe(0);
  });
});

/** A markdown table of the answers, the code in a column of its own, index `k + offset`. */
function codeColumnTable(offset: number, code = tag, header = true): string[] {
  const rows = truth.map((label, index) => `| ${index + offset} | ${code} | ${label} | sure |`);
  return header ? ['| Input | Code | Answer | Confidence |', '| --- | --- | --- | --- |', ...rows] : rows;
}

/** Each item's header on a line of its own, its `Answer:` on the next one. */
function answerOnNextLine(offset: number, code = tag, between = '\n'): string[] {
  return truth.map((label, index) => `Input ${index + offset} (${code})${between}Answer: ${label} sure`);
}

function keyedAnswers(offset: number, key: (index: number) => string = (index) => `${index} (${tag})`) {
  return Object.fromEntries(truth.map((label, index) => [key(index + offset), `${label} sure`]));
}

describe('a table with the batch code in its own column', () => {
  it('reads each row as the answer line of its index, numbered from 0 or from 1', () => {
    const fromZero = read(codeColumnTable(0).join('\n'));
    expect(expectNoMisattribution(fromZero)).toBe(count);
    expect(fromZero.answers.every((answer) => answer?.confident === true)).toBe(true);
    const fromOne = read(codeColumnTable(1).join('\n'));
    expect(expectNoMisattribution(fromOne)).toBe(count);
    expect(fromOne.numbering).toBe('one-based');
  });

  it('reads rows without a header when their second cell is this batch code, in any case', () => {
    expect(expectNoMisattribution(read(codeColumnTable(0, tag.toUpperCase(), false).join('\n')))).toBe(count);
  });

  it('reads the columns by the header, whatever their order', () => {
    const reply = [
      '| Answer | Code | # |',
      '|:--|:--|--:|',
      ...truth.map((label, index) => `| **${label}** | \`${tag}\` | ${index} |`),
    ];
    expect(expectNoMisattribution(read(reply.join('\n')))).toBe(count);
  });

  it('attributes nothing when the code column holds another batch code', () => {
    const parsed = read(codeColumnTable(0, 'zz9z').join('\n'));
    expect(expectNoMisattribution(parsed)).toBe(0);
    expect(parsed.issue?.kind).toBe('foreign-code');
    // Nor without a header: the row is read without a code.
    expect(expectNoMisattribution(read(codeColumnTable(0, 'zz9z', false).join('\n')))).toBe(0);
  });

  it('attributes nothing when an index appears in two rows', () => {
    const rows = codeColumnTable(0);
    rows[2 + 7] = `| 6 | ${tag} | ${truth[7]} | sure |`;
    const parsed = read(rows.join('\n'));
    expect(expectNoMisattribution(parsed)).toBe(0);
    expect(parsed.issue?.kind).toBe('repeated');
  });

  it('reads a row that lacks a cell under the header as no answer, and trusts no row after it', () => {
    const rows = codeColumnTable(0);
    rows[2 + 5] = `| 5 | ${tag} | ${truth[5]} |`;
    const parsed = read(rows.join('\n'));
    expect(expectNoMisattribution(parsed)).toBe(5);
    expect(parsed.issue?.kind).toBe('numbering-gap');
  });
});

describe('the answer on the line after the item header', () => {
  it('reads `Answer:` under each header, numbered from 0 or from 1, with or without blank lines', () => {
    expect(expectNoMisattribution(read(answerOnNextLine(0).join('\n')))).toBe(count);
    expect(expectNoMisattribution(read(answerOnNextLine(0, tag, '\n\n').join('\n\n')))).toBe(count);
    const bold = answerOnNextLine(0).map((pair) => pair.replace(/^(Input \d+ \(\w+\))/, '**$1:**'));
    expect(expectNoMisattribution(read(bold.join('\n').replaceAll('Answer:', '**Answer:**')))).toBe(count);
    const fromOne = read(answerOnNextLine(1).join('\n'));
    expect(expectNoMisattribution(fromOne)).toBe(count);
    expect(fromOne.numbering).toBe('one-based');
  });

  it('attributes nothing under another batch code or with a header written twice', () => {
    const foreign = read(answerOnNextLine(0, 'zz9z').join('\n'));
    expect(expectNoMisattribution(foreign)).toBe(0);
    expect(foreign.issue?.kind).toBe('foreign-code');
    const pairs = answerOnNextLine(0);
    pairs[9] = `Input 8 (${tag})\nAnswer: ${truth[9]} sure`;
    const twice = read(pairs.join('\n'));
    expect(expectNoMisattribution(twice)).toBe(0);
    expect(twice.issue?.kind).toBe('repeated');
  });

  it('never lends a header without its answer line the answer of the next header', () => {
    const pairs = answerOnNextLine(0);
    pairs[5] = `Input 5 (${tag})`;
    const parsed = read(pairs.join('\n'));
    // Item 5 got no answer; the items after it may be shifted, so only 0..4 are attributed.
    expect(expectNoMisattribution(parsed)).toBe(5);
    expect(parsed.answers[5]).toBeUndefined();
    // Only an `Answer:` line answers a bare header, not the next header's text.
    const headersFirst = [...truth.map((_, index) => `Input ${index} (${tag})`), `Answer: ${truth[0]} sure`];
    expect(expectNoMisattribution(read(headersFirst.join('\n')))).toBe(0);
  });
});

describe('JSON keyed by index', () => {
  it('reads keys that carry the batch code, at the top or under "answers"', () => {
    expect(expectNoMisattribution(read(JSON.stringify({ answers: keyedAnswers(0) }), 'json'))).toBe(count);
    expect(
      expectNoMisattribution(read(JSON.stringify(keyedAnswers(0, (index) => `Input ${index} (${tag})`)))),
    ).toBe(count);
    const fromOne = read(JSON.stringify({ answers: keyedAnswers(1) }), 'json');
    expect(expectNoMisattribution(fromOne)).toBe(count);
    expect(fromOne.numbering).toBe('one-based');
  });

  it('reads bare keys under an object that names this batch code, with entries as objects', () => {
    const answers = Object.fromEntries(
      truth.map((label, index) => [String(index), { answer: label, confident: true }]),
    );
    const parsed = read(JSON.stringify({ code: tag, answers }), 'json');
    expect(expectNoMisattribution(parsed)).toBe(count);
    expect(parsed.answers.every((answer) => answer?.confident === true)).toBe(true);
  });

  it('reads keyed answers after a quoted keyed example with its own code', () => {
    const example = JSON.stringify({ answers: { [`0 (${exampleTag})`]: 'not_entailment sure' } });
    const reply = `Like the example ${example}:\n${JSON.stringify({ answers: keyedAnswers(0) })}`;
    expect(expectNoMisattribution(read(reply, 'json'))).toBe(count);
  });

  it('attributes nothing from keys without a code, or with another batch code', () => {
    const bare = read(JSON.stringify(keyedAnswers(0, String)), 'json');
    expect(expectNoMisattribution(bare)).toBe(0);
    expect(bare.issue?.kind).toBe('no-code');
    const foreign = read(JSON.stringify({ answers: keyedAnswers(0, (index) => `${index} (zz9z)`) }), 'json');
    expect(expectNoMisattribution(foreign)).toBe(0);
    expect(foreign.issue?.kind).toBe('foreign-code');
  });

  it('attributes no answer whose key and surrounding object disagree on the code', () => {
    const answers = keyedAnswers(0, String);
    delete answers['3'];
    answers['3 (zz9z)'] = `${truth[3]} sure`;
    const parsed = read(JSON.stringify({ code: tag, answers }), 'json');
    // Item 3 belongs to no batch for certain; the later ones may be shifted.
    expect(expectNoMisattribution(parsed)).toBe(3);
  });

  it('attributes nothing when an index is keyed twice, in two spellings or as the same key', () => {
    const answers = keyedAnswers(0);
    answers[`4 (${tag.toUpperCase()})`] = `${truth[5]} sure`;
    const twoSpellings = read(JSON.stringify({ answers }), 'json');
    expect(expectNoMisattribution(twoSpellings)).toBe(0);
    expect(twoSpellings.issue?.kind).toBe('repeated');
    // JSON.parse keeps only the last of two equal keys; the parser must not trust either.
    const text = JSON.stringify({ answers: keyedAnswers(0) }).replace(
      `"5 (${tag})":"${truth[5]} sure"`,
      `"5 (${tag})":"${truth[5]} sure","5 (${tag})":"${truth[4]} sure"`,
    );
    expect(text).toContain(`"5 (${tag})":"${truth[4]} sure"`);
    const sameKey = read(text, 'json');
    expect(expectNoMisattribution(sameKey)).toBe(0);
    expect(sameKey.issue?.kind).toBe('repeated');
  });

  it('attributes nothing when an entry names its id twice', () => {
    const entries = truth.map((label, index) => renderJsonAnswerEntry(index, tag, label, true));
    const text = JSON.stringify({ answers: entries });
    const twice = text.replace(`{"id":"2 ${tag}",`, `{"id":"2 ${tag}","id":"3 ${tag}",`);
    expect(twice).not.toBe(text);
    expect(expectNoMisattribution(read(twice, 'json'))).toBe(0);
    // The same in the entry shape of earlier versions.
    const old = jsonReply(truth.map((answer, id) => ({ id, code: tag, answer })));
    const oldTwice = old.replace('{"id":2,', '{"id":2,"id":3,');
    expect(oldTwice).not.toBe(old);
    expect(expectNoMisattribution(read(oldTwice, 'json'))).toBe(0);
  });

  it('attributes nothing when keyed answers and answer lines both claim the batch', () => {
    const reply = [JSON.stringify({ answers: keyedAnswers(0) }), ...answerLines(0)].join('\n');
    const parsed = read(reply, 'json');
    expect(expectNoMisattribution(parsed)).toBe(0);
    expect(parsed.issue?.kind).toBe('mixed-formats');
  });
});

describe('layouts that are not read put nothing on a wrong item', () => {
  const layouts: Record<string, string> = {
    'JSON keyed by index without a code': JSON.stringify(
      Object.fromEntries(truth.map((label, index) => [String(index + 1), label])),
    ),
    'a table without a code column': [
      '| Input | Answer |',
      '| --- | --- |',
      ...truth.map((label, index) => `| ${index} | ${label} |`),
    ].join('\n'),
    'headers without a code, the answer on the next line': truth
      .map((label, index) => `Input ${index}\nAnswer: ${label} sure`)
      .join('\n'),
    'a numbered list without codes, counting from 1': truth
      .map((label, index) => `${index + 1}. ${label}`)
      .join('\n'),
  };
  for (const [name, reply] of Object.entries(layouts)) {
    it(name, () => {
      expect(expectNoMisattribution(read(reply))).toBe(0);
      expect(expectNoMisattribution(read(reply, 'json'))).toBe(0);
    });
  }

  it('mixed numbering, 0-based then 1-based from item 8: only the items before the switch', () => {
    const parsed = read([...answerLines(0, 0, 8), ...answerLines(1, 8, count - 1)].join('\n'));
    expect(expectNoMisattribution(parsed)).toBe(8);
    expect(parsed.issue?.kind).toBe('numbering-gap');
  });
});

describe('misreads', () => {
  it('reads `entailment: no` as nothing: it names two answers', () => {
    const parsed = read(`0 (${tag}): entailment: no sure`, 'lines', 1);
    expect(parsed.answers[0]).toBeUndefined();
    expect(parsed.problems[0]?.kind).toBe('unparseable');
    expect(read(`0 (${tag}): not_entailment or entailment`, 'lines', 1).answers[0]).toBeUndefined();
    // An explanation after the label is still read.
    expect(read(`0 (${tag}): entailment, because the premise says so sure`, 'lines', 1).answers[0]).toEqual({
      answer: 'entailment',
      confident: true,
    });
  });

  it('reads a JSON id "" as no index, not as 0, and "0x1" as no index, not as 1', () => {
    const reply = jsonReply([
      { id: '', code: tag, answer: 'not_entailment' },
      { id: '0x1', code: tag, answer: 'entailment' },
      { id: -1, code: tag, answer: 'entailment' },
      { id: 1.5, code: tag, answer: 'entailment' },
    ]);
    const parsed = read(reply, 'json', 2);
    expect(parsed.answers).toEqual([undefined, undefined]);
    expect(parsed.issue?.kind).toBe('no-answers');
  });
});

describe('JSON entries with the number and code in the id (the shape asked for)', () => {
  const entries = (code = tag, from = 0, to = count) =>
    truth.slice(from, to).map((label, position) => renderJsonAnswerEntry(from + position, code, label, true));
  const reply = (list: readonly object[]) => JSON.stringify({ answers: list });

  it('reads every entry of the reply the worked example shows, with its confidence word', () => {
    const list = entries().map((entry, index) =>
      index === 3 ? renderJsonAnswerEntry(3, tag, truth[3]!, false) : entry,
    );
    const parsed = read(reply(list), 'json');
    expect(expectNoMisattribution(parsed)).toBe(count);
    expect(parsed.answers[3]?.confident).toBe(false);
    expect(parsed.answers[4]?.confident).toBe(true);
    // A missing confidence word is not confident.
    const bare = read(reply([{ id: `0 ${tag}`, answer: truth[0] }]), 'json', 1);
    expect(bare.answers[0]).toEqual({ answer: truth[0], confident: false });
  });

  it('refuses a reply that copies the worked example: its code is not this batch’s', () => {
    expect(workedExample).toBeDefined();
    const copied = read(workedExample!, 'json', 2);
    expect(expectNoMisattribution(copied)).toBe(0);
    expect(copied.issue?.kind).toBe('foreign-code');
    // Entries that copy the example's code inside an otherwise own reply are never used either.
    const mixed = [...entries(tag, 0, 4), ...entries(exampleTag, 4, count)];
    const parsed = read(reply(mixed), 'json');
    expect(expectNoMisattribution(parsed)).toBe(4);
    expect(parsed.ignoredLines).toBe(count - 4);
  });

  it('refuses entries of another batch mixed into the reply, and entries whose two codes disagree', () => {
    // Every odd entry written for batch zz9z, with that batch's (here: opposite) answers.
    const other = truth.map((label, index) =>
      renderJsonAnswerEntry(index, 'zz9z', label === 'entailment' ? 'not_entailment' : 'entailment', true),
    );
    const mixed = entries().map((entry, index) => (index % 2 === 1 ? other[index]! : entry));
    const parsed = read(reply(mixed), 'json');
    // Item 0 is ours; item 1 is another batch's, so nothing after the gap is trusted.
    expect(expectNoMisattribution(parsed)).toBe(1);
    expect(parsed.answers[1]).toBeUndefined();
    // Another batch's whole reply gives nothing.
    const foreign = read(reply(other), 'json');
    expect(expectNoMisattribution(foreign)).toBe(0);
    expect(foreign.issue?.kind).toBe('foreign-code');
    // An id with this code and a `code` field with another: the entry belongs to no batch.
    const disagreeing = read(reply([{ ...entries()[0]!, code: 'zz9z' }]), 'json', 1);
    expect(disagreeing.answers[0]).toBeUndefined();
  });

  it('ignores entries copied from an item without the code, and ids whose digits run into the code', () => {
    const copies = [0, 5, 9].map((index) => ({ id: String(index), answer: 'not_entailment sure' }));
    const withCopies = [...entries().slice(0, 8), ...copies, ...entries().slice(8)];
    expect(expectNoMisattribution(read(reply(withCopies), 'json'))).toBe(count);
    const glued = read(reply([{ id: `0${tag}`, answer: `${truth[0]} sure` }]), 'json', 1);
    expect(glued.answers[0]).toBeUndefined();
  });

  it('keeps the whole entries of a reply cut off inside an entry', () => {
    const text = reply(entries());
    const cut = text.slice(0, text.indexOf(`{"id":"6 ${tag}"`) + 12);
    const parsed = read(cut, 'json');
    expect(expectNoMisattribution(parsed)).toBe(6);
  });

  it('reads number and text answers, and a worked solution before the answer', () => {
    const numbers = defineTask({
      name: 'sums',
      instruction: 'Add.',
      fields: ['question'],
      answer: { type: 'number', integer: true },
    });
    const sums = reply([
      renderJsonAnswerEntry(0, tag, 123, true),
      renderJsonAnswerEntry(1, tag, -4.5, false),
    ]);
    expect(parseReply(numbers, sums, { format: 'json', expectedCount: 2, tag }).answers).toEqual([
      { answer: 123, confident: true },
      { answer: -4.5, confident: false },
    ]);
    const words = defineTask({
      name: 'capitals',
      instruction: 'Name the capital.',
      fields: ['country'],
      answer: { type: 'text', maxWords: 3 },
    });
    const capitals = reply([renderJsonAnswerEntry(0, tag, 'Buenos Aires', true)]);
    expect(parseReply(words, capitals, { format: 'json', expectedCount: 1, tag }).answers).toEqual([
      { answer: 'Buenos Aires', confident: true },
    ]);
    const solved = reply([renderJsonAnswerEntry(0, tag, 12, true, 'Input 1 has 40; 5 + 7 = 12')]);
    const parsed = parseReply({ ...numbers, reasoning: true }, solved, {
      format: 'json',
      expectedCount: 1,
      tag,
      reasoning: true,
    });
    expect(parsed.answers).toEqual([{ answer: 12, confident: true }]);
    expect(parsed.reasoning?.get(0)).toBe('Input 1 has 40; 5 + 7 = 12');
  });

  it('still reads entries of the earlier shape, code and confidence in fields of their own', () => {
    const old = JSON.stringify({
      answers: truth.map((answer, id) => ({ id, code: tag, answer, confident: id % 3 !== 0 })),
    });
    const parsed = read(old, 'json');
    expect(expectNoMisattribution(parsed)).toBe(count);
    expect(parsed.answers.map((answer) => answer?.confident)).toEqual(truth.map((_, id) => id % 3 !== 0));
  });
});
