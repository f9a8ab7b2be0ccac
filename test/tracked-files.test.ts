import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('the repository', () => {
  // A worktree often links node_modules to a shared folder; a commit of that link, once checked out
  // where the real folder is, makes git replace the folder (ignored, so expendable) with the link.
  it('tracks nothing under node_modules, not even a link', () => {
    const tracked = execFileSync('git', ['ls-files', '--', 'node_modules'], { cwd: root, encoding: 'utf8' });
    expect(tracked.trim()).toBe('');
  });
});
