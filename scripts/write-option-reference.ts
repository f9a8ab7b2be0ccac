// Rewrites the README's option reference from the option table:
// `npx tsx scripts/write-option-reference.ts`. test/option-table.test.ts fails while the README
// and the table differ.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderOptionReference } from '../src/cli/render-option-reference.js';

export const referenceStart =
  '<!-- option-reference:start (written by scripts/write-option-reference.ts) -->';
export const referenceEnd = '<!-- option-reference:end -->';

/** The README with the text between the markers replaced by the rendered reference. */
export function withOptionReference(readme: string): string {
  const start = readme.indexOf(referenceStart);
  const end = readme.indexOf(referenceEnd);
  if (start === -1 || end < start)
    throw new Error(`README.md lacks the markers ${referenceStart} ... ${referenceEnd}`);
  return `${readme.slice(0, start + referenceStart.length)}\n${renderOptionReference()}\n${readme.slice(end)}`;
}

/**
 * The cells of a Markdown table, row by row, without the padding and dashes a formatter adds
 * (biome aligns the README's tables): what a reader sees, for comparing two renderings.
 */
export function tableCells(markdown: string): string[][] {
  return markdown
    .trim()
    .split('\n')
    .filter((line) => line.trim().startsWith('|'))
    .map((line) =>
      line
        .trim()
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((text) => text.trim()),
    )
    .filter((cells) => !cells.every((text) => /^:?-+:?$/.test(text)));
}

if (process.argv[1] === import.meta.filename) {
  const file = resolve(import.meta.dirname, '../README.md');
  writeFileSync(file, withOptionReference(readFileSync(file, 'utf8')));
  // Aligned as `npm test` (biome check) wants it.
  execFileSync('npx', ['biome', 'format', '--write', file], { stdio: 'inherit' });
}
