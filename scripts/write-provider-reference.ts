// Rewrites the README's model table from the provider table:
// `npx tsx scripts/write-provider-reference.ts`. src/providers/provider-table.test.ts fails while
// the README and the table differ.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderProviderReference } from '../src/providers/render-provider-reference.js';

export const providerReferenceMarkers = {
  start: '<!-- provider-reference:start (written by scripts/write-provider-reference.ts) -->',
  end: '<!-- provider-reference:end -->',
} as const;

/** The part of the README between the markers, or an error naming them. */
export function providerReferenceIn(readme: string): { before: string; table: string; after: string } {
  const { start, end } = providerReferenceMarkers;
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from === -1 || to < from) throw new Error(`README.md lacks the markers ${start} ... ${end}`);
  return {
    before: readme.slice(0, from + start.length),
    table: readme.slice(from + start.length, to),
    after: readme.slice(to),
  };
}

if (process.argv[1] === import.meta.filename) {
  const file = resolve(import.meta.dirname, '../README.md');
  const { before, after } = providerReferenceIn(readFileSync(file, 'utf8'));
  writeFileSync(file, `${before}\n${renderProviderReference()}\n${after}`);
  // Aligned as `npm test` (biome check) wants it.
  execFileSync('npx', ['biome', 'format', '--write', file], { stdio: 'inherit' });
}
