import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildInputsDigest, buildStampFile, isBuildCurrent } from '../scripts/build-inputs.mjs';
import { useTempDir } from '../src/test/temp-dir.js';

const temp = useTempDir();
let checkouts = 0;

/** A checkout in miniature: the files a build reads, and a built dist/ stamped with their digest. */
function builtCheckout(): string {
  checkouts += 1;
  const root = temp(`checkout-${checkouts}`);
  mkdirSync(join(root, 'src', 'cli'), { recursive: true });
  mkdirSync(join(root, 'dist'), { recursive: true });
  for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsdown.config.ts']) {
    writeFileSync(join(root, file), '{}\n');
  }
  writeFileSync(join(root, 'src', 'index.ts'), 'export const a = 1;\n');
  writeFileSync(join(root, 'src', 'cli', 'main.ts'), 'export const b = 2;\n');
  for (const file of ['index.js', 'index.d.ts', 'cli.js', 'test.js', 'test.d.ts']) {
    writeFileSync(join(root, 'dist', file), '');
  }
  writeFileSync(join(root, buildStampFile), `${buildInputsDigest(root)}\n`);
  return root;
}

describe('the build of dist/', () => {
  // `npx batchprompt demo` right after `npm ci` prepared the checkout a second time: 20-25 s of
  // building what npm ci had just built.
  it('is current when nothing it reads changed since the stamp', () => {
    expect(isBuildCurrent(builtCheckout())).toBe(true);
  });

  it('is not current after a source file changes, is added or is removed, nor after package.json changes', () => {
    const changed = builtCheckout();
    writeFileSync(join(changed, 'src', 'cli', 'main.ts'), 'export const b = 3;\n');
    expect(isBuildCurrent(changed)).toBe(false);
    const added = builtCheckout();
    writeFileSync(join(added, 'src', 'cli', 'extra.ts'), '');
    expect(isBuildCurrent(added)).toBe(false);
    const removed = builtCheckout();
    rmSync(join(removed, 'src', 'index.ts'));
    expect(isBuildCurrent(removed)).toBe(false);
    const manifest = builtCheckout();
    writeFileSync(join(manifest, 'package.json'), '{"version": "2"}\n');
    expect(isBuildCurrent(manifest)).toBe(false);
  });

  it('is not current without its stamp or with an output missing', () => {
    const unstamped = builtCheckout();
    rmSync(join(unstamped, buildStampFile));
    expect(isBuildCurrent(unstamped)).toBe(false);
    const partial = builtCheckout();
    rmSync(join(partial, 'dist', 'cli.js'));
    expect(isBuildCurrent(partial)).toBe(false);
  });
});
