import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliFlags } from '../../../test/harness/cli-flags.js';
import { writeJsonl } from '../../../test/harness/data-files.js';
import { answersIn, runCli } from '../../../test/harness/run-cli.js';

const directory = mkdtempSync(join(tmpdir(), 'special-tokens-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('run on data that contains special-token text', () => {
  it('answers every item, counting <|endoftext|> as text, also when an item is long enough to be counted', async () => {
    const marker = '<|endoftext|>';
    const rows = Array.from({ length: 6 }, (_, index) => ({
      id: `q${index}`,
      question: `is ${marker} number ${index} here?`,
      // Long in bytes, so that reading counts its tokens against the batch limit.
      passage: `${marker} ${'the passage goes on. '.repeat(40)}${marker}`,
      label: index % 2 === 0,
    }));
    const data = writeJsonl(join(directory, 'data.jsonl'), rows);
    const out = join(directory, 'out.jsonl');
    const result = await runCli([
      'run',
      ...cliFlags({ task: 'boolq', model: 'sim', data, out, 'max-batch-tokens': 800, 'no-cache': true }),
    ]);
    expect(result.stderr).not.toMatch(/special token/i);
    expect(result.code).toBe(0);
    expect(
      answersIn(out)
        .map(([id]) => id)
        .sort(),
    ).toEqual(rows.map((row) => row.id));
  });
});
