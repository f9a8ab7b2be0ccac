import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  batchpromptInstall,
  batchpromptPackageRoot,
  locateInstall,
  nodeLlamaCppInstallAdvice,
} from './local-model-bindings.js';

/** A file system of the given files only. */
const only =
  (...files: string[]) =>
  (path: string) =>
    files.includes(path);

describe('where batchprompt is installed, and so how node-llama-cpp is installed beside it', () => {
  it('tells a checkout, a project that depends on it and a global install apart', () => {
    expect(
      locateInstall('/src/batchprompt', only('/src/batchprompt/scripts/install-local-model.sh')),
    ).toEqual({
      kind: 'checkout',
      root: '/src/batchprompt',
    });
    expect(locateInstall('/home/me/app/node_modules/batchprompt', only())).toEqual({
      kind: 'project',
      project: '/home/me/app',
    });
    expect(
      locateInstall('/opt/node/lib/node_modules/batchprompt', only('/opt/node/bin/batchprompt')),
    ).toEqual({ kind: 'global', prefix: '/opt/node' });
    // Windows keeps global packages in <prefix>/node_modules and the command beside them.
    expect(locateInstall('C:/npm/node_modules/batchprompt', only('C:/npm/batchprompt.cmd'))).toEqual({
      kind: 'global',
      prefix: 'C:/npm',
    });
    // A project that happens to live in a folder named lib is still a project.
    expect(locateInstall('/work/lib/node_modules/batchprompt', only())).toEqual({
      kind: 'project',
      project: '/work/lib',
    });
  });

  it('gives the command for each, run from where the user is', () => {
    expect(nodeLlamaCppInstallAdvice({ kind: 'checkout', root: '/src/bp' }, '/src/bp').command).toBe(
      'bash scripts/install-local-model.sh',
    );
    expect(nodeLlamaCppInstallAdvice({ kind: 'checkout', root: '/src/bp' }, '/tmp').command).toBe(
      'cd /src/bp && bash scripts/install-local-model.sh',
    );
    expect(nodeLlamaCppInstallAdvice({ kind: 'project', project: '/home/me/app' }, '/home/me/app')).toEqual({
      command: 'npm install node-llama-cpp@3.21.1',
      place: 'your project /home/me/app, which depends on batchprompt',
    });
    expect(nodeLlamaCppInstallAdvice({ kind: 'project', project: '/home/me/app' }, '/home/me').command).toBe(
      'cd /home/me/app && npm install node-llama-cpp@3.21.1',
    );
    expect(nodeLlamaCppInstallAdvice({ kind: 'global', prefix: '/tmp/prefix' }).command).toBe(
      'npm install --global --prefix /tmp/prefix node-llama-cpp@3.21.1',
    );
    const nodePrefix = resolve(process.execPath, '..', '..');
    expect(nodeLlamaCppInstallAdvice({ kind: 'global', prefix: nodePrefix }).command).toBe(
      'npm install --global node-llama-cpp@3.21.1',
    );
  });

  it('finds this copy of batchprompt: a checkout, whose install script exists', () => {
    const root = batchpromptPackageRoot();
    expect(root).toBe(resolve(import.meta.dirname, '..', '..'));
    expect(existsSync(join(root!, 'scripts', 'install-local-model.sh'))).toBe(true);
    expect(batchpromptInstall()).toEqual({ kind: 'checkout', root });
  });
});
