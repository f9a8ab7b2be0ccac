import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildStampFile } from '../scripts/build-inputs.mjs';

// What a user's `npm install` of the package gets. The install itself (scripts/check-install.sh)
// needs the registry and minutes; these are the parts of it that the checkout decides.
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  bin: Record<string, string>;
};

describe('the published package', () => {
  it('leaves node-llama-cpp (700 MB of binaries) to those who install it: an optional peer only', () => {
    expect(Object.keys(manifest.dependencies)).not.toContain('node-llama-cpp');
    expect(Object.keys(manifest.optionalDependencies ?? {})).not.toContain('node-llama-cpp');
    expect(manifest.peerDependencies?.['node-llama-cpp']).toBeDefined();
    expect(manifest.peerDependenciesMeta?.['node-llama-cpp']?.optional).toBe(true);
    // Nor does a checkout's `npm ci`: scripts/install-local-model.sh installs it beside the project.
    expect(Object.keys(manifest.devDependencies ?? {})).not.toContain('node-llama-cpp');
    const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as {
      packages: Record<string, unknown>;
    };
    expect(Object.keys(lock.packages).filter((path) => path.includes('node-llama-cpp'))).toEqual([]);
  });

  it('packs the command, the built code, the demo data and the task file schema, and no sources', () => {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], {
        cwd: new URL('..', import.meta.url),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    ) as { files: { path: string }[] }[];
    const paths = packed[0]?.files.map((file) => file.path) ?? [];
    expect(paths).toContain(manifest.bin.batchprompt?.replace(/^\.\//, ''));
    expect(paths).toContain('dist/cli.js');
    expect(paths).toContain('dist/index.d.ts');
    expect(paths).toContain('examples/demo/yes-no.jsonl');
    expect(paths).toContain('task.schema.json');
    expect(paths.filter((path) => path.startsWith('src/') || path.endsWith('.test.ts'))).toEqual([]);
    // dist/ holds the build's bookkeeping beside its code (the digest that lets a second
    // `npm run build` skip); a user's install has no use for it.
    expect(existsSync(new URL(`../${buildStampFile}`, import.meta.url))).toBe(true);
    expect(paths).not.toContain(buildStampFile);
    const notCode = paths.filter((path) => path.startsWith('dist/') && !/\.(js|d\.ts|js\.map)$/.test(path));
    expect(notCode).toEqual([]);
  });
});
