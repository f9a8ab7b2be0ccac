import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './harness/repo-paths.js';

/*
 * npm 11 runs a dependency's install scripts only where package.json's `allowScripts` says so,
 * and ends `npm ci` with a warning listing every package it has no word on. A new user's first
 * command is `npm ci`: each installed package with an install script is approved or denied there.
 */

const lifecycleScripts = ['preinstall', 'install', 'postinstall'];

interface InstalledPackage {
  name: string;
  scripts?: Record<string, string>;
}

/** Every package directly under node_modules (scoped ones included). */
function installedPackages(): InstalledPackage[] {
  const modules = join(repoRoot, 'node_modules');
  const directories = readdirSync(modules).flatMap((entry) =>
    entry.startsWith('@')
      ? readdirSync(join(modules, entry)).map((scoped) => join(modules, entry, scoped))
      : entry.startsWith('.')
        ? []
        : [join(modules, entry)],
  );
  return directories
    .map((directory) => join(directory, 'package.json'))
    .filter((file) => existsSync(file))
    .map((file) => JSON.parse(readFileSync(file, 'utf8')) as InstalledPackage);
}

describe("package.json's allowScripts", () => {
  it('approves or denies every installed package that has an install script', () => {
    const project = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      allowScripts: Record<string, boolean>;
    };
    const withScripts = installedPackages().filter((installed) =>
      lifecycleScripts.some((script) => installed.scripts?.[script] !== undefined),
    );
    expect(withScripts.length).toBeGreaterThan(0);
    const unreviewed = withScripts
      .map((installed) => installed.name)
      .filter((name) => !Object.hasOwn(project.allowScripts, name));
    expect(unreviewed).toEqual([]);
  });
});
