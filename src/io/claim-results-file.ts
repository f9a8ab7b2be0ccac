import { linkSync, type Stats, statSync, unlinkSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BatchPromptError, InputError } from '../spec/errors.js';
import { acquireLockFile } from '../util/acquire-lock-file.js';

export interface ResultsFileClaim {
  /** `<file>.partial`: free to be created exclusively (a dead run's leftover has been removed). */
  readonly partialFile: string;
  /** Gives `.partial` its final name, then releases the lock; see `claimResultsFile`. */
  finish(): Promise<void>;
  /** Releases the lock, leaving `.partial` as it is. Calling it again does nothing. */
  release(): void;
}

/**
 * Takes a results file for one run, synchronously and before anything is paid for: its directory
 * must exist, `<file>.lock` must be free or stale (a dead process's; a live holder makes this
 * throw a `LockError` naming it), and a `.partial` left by a dead run is removed. `finish` then
 * refuses to replace a `file` that another run produced after this claim was taken.
 */
export function claimResultsFile(file: string): ResultsFileClaim {
  const directory = dirname(file);
  const directoryStats = statOrUndefined(directory);
  if (directoryStats === undefined) {
    throw new InputError(`the directory ${directory} does not exist; create it first`, { file });
  }
  if (!directoryStats.isDirectory()) throw new InputError(`${directory} is not a directory`, { file });
  const lock = acquireLockFile(`${file}.lock`, `The results file ${file}`);
  const partialFile = `${file}.partial`;
  // The final file as it was before this run: replaced at the end only if nobody else changed it.
  let before: Stats | undefined;
  try {
    before = statOrUndefined(file);
    removeStalePartial(partialFile);
  } catch (error) {
    lock.release();
    throw error;
  }
  return {
    partialFile,
    async finish() {
      try {
        await giveFinalName(partialFile, file, before);
      } finally {
        lock.release();
      }
    },
    release: () => lock.release(),
  };
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function removeStalePartial(partialFile: string): void {
  try {
    unlinkSync(partialFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new InputError(`cannot replace the leftover ${partialFile}: ${(error as Error).message}`, {
      file: partialFile,
      cause: error,
    });
  }
}

/**
 * `.partial` becomes `file`. When `file` did not exist at the start, a hard link makes the final
 * name appear only if nobody created it meanwhile (EEXIST otherwise); when it did, it is replaced
 * only if it is still the same file, unchanged.
 */
async function giveFinalName(partialFile: string, file: string, before: Stats | undefined): Promise<void> {
  const refuse = () =>
    new BatchPromptError(
      `${file} was written by another run while this one was going; this run's results are kept in ${partialFile}`,
    );
  if (before === undefined) {
    try {
      linkSync(partialFile, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw refuse();
      // A file system without hard links: a plain rename, checked just before.
      if (statOrUndefined(file) !== undefined) throw refuse();
      await rename(partialFile, file);
      return;
    }
    unlinkSync(partialFile);
    return;
  }
  const now = statOrUndefined(file);
  if (
    now === undefined ||
    now.ino !== before.ino ||
    now.mtimeMs !== before.mtimeMs ||
    now.size !== before.size
  ) {
    throw refuse();
  }
  await rename(partialFile, file);
}
