import { describe, expect, it } from 'vitest';
import { caseData, promptCases, readPrompts, recordPrompts } from './single-output-prompts.js';

/*
 * A task with one answer sends the same bytes it sent before tasks could have several outputs:
 * the fixture was recorded at the commit it names, before `outputs:` existed, and every request
 * of every run must have the same cache key (model id, settings and every byte of every message),
 * one first-round request and one re-ask the same messages. A failure here means a user's cached
 * replies and stores stop answering their runs: if the prompt change is deliberate, record the
 * fixture again (see single-output-prompts.ts) and say why in the commit.
 */

const recorded = readPrompts();

describe(`a single-output task's requests against those recorded at ${recorded.commit.slice(0, 7)}`, () => {
  for (const spec of promptCases) {
    it.skipIf(!caseData(spec))(`${spec.name}: the same messages and cache keys, byte for byte`, async () => {
      const expected = recorded.runs[spec.name]!;
      const actual = await recordPrompts(spec);
      // Messages first: when they differ, the diff shows the text that moved.
      expect(actual.filter((request) => request.messages)).toEqual(
        expected.filter((request) => request.messages),
      );
      expect(actual.map((request) => request.key)).toEqual(expected.map((request) => request.key));
    });
  }

  it('records re-asks, so the re-ask prompt is compared too', () => {
    const reasks = Object.values(recorded.runs).filter(
      (run) => run.filter((request) => request.messages).length > 1,
    );
    expect(reasks.length).toBeGreaterThan(0);
  });
});
