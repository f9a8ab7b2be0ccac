import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { LockError } from '../spec/errors.js';
import { isProcessAlive } from './is-process-alive.js';

export interface LockFile {
  readonly path: string;
  /** Removes the lock file if it is still ours; calling it again does nothing. */
  release(): void;
}

interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

/**
 * Takes a lock by creating `path` exclusively with this process's pid, host and start time.
 * A lock left by a process that is gone (same host, pid no longer alive, as after a `kill -9`) is
 * stale and taken over; a lock held by a live process, or by a process on another host whose
 * liveness cannot be checked, throws a `LockError` naming it and `what` it guards.
 */
export function acquireLockFile(path: string, what: string): LockFile {
  const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const content = `${JSON.stringify(holder)}\n`;
  for (let attempt = 0; ; attempt += 1) {
    try {
      writeFileSync(path, content, { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const current = readHolder(path);
    if (current !== undefined && (current.host !== hostname() || isProcessAlive(current.pid))) {
      throw new LockError(
        `${what} is in use by process ${current.pid} on ${current.host} (since ${current.since}); wait for it to finish, or remove ${path} if that process is gone`,
        { path },
      );
    }
    // Stale or unreadable (a writer killed between create and write): taken over. A second
    // attempt that still finds a file lost a race to another process, which now holds it.
    if (attempt > 0) {
      throw new LockError(`${what} was just taken by another process; remove ${path} if none is running`, {
        path,
      });
    }
    try {
      unlinkSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      // Only our own lock is removed: a stale-lock takeover by another process must not be undone.
      if (readHolder(path)?.pid === holder.pid && readHolder(path)?.since === holder.since) {
        try {
          unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      }
    },
  };
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return undefined;
    return { pid: parsed.pid, host: parsed.host, since: String(parsed.since ?? '') };
  } catch {
    return undefined;
  }
}
