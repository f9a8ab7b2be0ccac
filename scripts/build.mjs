// Builds dist/ with tsdown's API rather than its command line: the command line warns on every
// Node 20 build that tsdown will drop Node 20 in a later minor release, which the exact version
// pinned in package.json never reaches, and `engines` allows Node 20.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'tsdown';
import { buildInputsDigest, buildStampFile, isBuildCurrent } from './build-inputs.mjs';

const root = process.cwd();
if (!process.argv.includes('--force') && isBuildCurrent(root)) {
  console.log('dist/ is already built from these sources (node scripts/build.mjs --force builds it again)');
} else {
  const digest = buildInputsDigest(root);
  await build({});
  writeFileSync(join(root, buildStampFile), `${digest}\n`);
}
