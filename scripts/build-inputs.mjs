import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where a build records the digest of what it was built from (package.json's `files` leaves it out of the package). */
export const buildStampFile = join('dist', '.build-inputs');

/** What a build of dist/ reads besides the installed packages, whose versions the lock file pins. */
const inputFiles = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsdown.config.ts',
  'scripts/build.mjs',
];

/** The files dist/ must hold for the package to run and type-check (`bin`, `main`, `exports`). */
const outputFiles = ['dist/index.js', 'dist/index.d.ts', 'dist/cli.js', 'dist/test.js', 'dist/test.d.ts'];

/** A digest of every file a build reads (src/ whole), by path and content. */
export function buildInputsDigest(root) {
  const sources = readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name).slice(root.length + 1));
  const hash = createHash('sha256');
  for (const file of [...inputFiles, ...sources.sort()]) {
    const path = join(root, file);
    hash.update(`${file}\0`);
    hash.update(existsSync(path) ? readFileSync(path) : '(missing)');
    hash.update('\0');
  }
  return hash.digest('hex');
}

/**
 * Whether dist/ was built from exactly these inputs and holds its files. npm runs `prepare` in
 * `npm ci` and again the first time `npx batchprompt` runs in the checkout (npx installs the
 * checkout as a folder dependency, and prepares it): the second build would redo the first.
 */
export function isBuildCurrent(root) {
  const stamp = join(root, buildStampFile);
  if (!existsSync(stamp) || outputFiles.some((file) => !existsSync(join(root, file)))) return false;
  return readFileSync(stamp, 'utf8').trim() === buildInputsDigest(root);
}
