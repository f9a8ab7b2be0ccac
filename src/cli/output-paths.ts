import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { InputError } from '../spec/errors.js';

/** A file a command reads or writes, with the flag that named it (`--data`, `--out`, `-o`). */
export interface NamedPath {
  flag: string;
  path: string;
}

/** Where a path leads: symlinks resolved as far as they exist, so two spellings of one file agree. */
function canonicalPath(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    try {
      return join(realpathSync(dirname(absolute)), basename(absolute));
    } catch {
      return absolute;
    }
  }
}

/** Device and inode of an existing file, so that a hard link to an input is caught too. */
function fileIdentity(path: string): string | undefined {
  try {
    const stat = statSync(path);
    return stat.isFile() ? `${stat.dev}:${stat.ino}` : undefined;
  } catch {
    return undefined;
  }
}

function samePath(left: string, right: string): boolean {
  if (canonicalPath(left) === canonicalPath(right)) return true;
  const leftIdentity = fileIdentity(left);
  return leftIdentity !== undefined && leftIdentity === fileIdentity(right);
}

/** What a results writer creates for `path`: the file, its `.partial` while it runs, its `.lock`. */
function writtenFiles(output: NamedPath): NamedPath[] {
  return [
    output,
    ...(['.partial', '.lock'] as const).map((suffix) => ({ ...output, path: output.path + suffix })),
  ];
}

/**
 * Refuses, before anything is read or paid for, a command whose output would land on one of its
 * inputs (the data file, a task or price file) or on another of its outputs: an `InputError`
 * (exit 3) naming both flags. Each output stands for itself, its `.partial` and its `.lock`; paths
 * are compared after resolving symlinks, and existing files by inode, so `./d.jsonl`, a link to
 * it and a hard link all count as `d.jsonl`.
 */
export function refuseClashingPaths(inputs: readonly NamedPath[], outputs: readonly NamedPath[]): void {
  const written = outputs.map((output) => ({ output, files: writtenFiles(output) }));
  for (const [index, { output, files }] of written.entries()) {
    for (const file of files) {
      const input = inputs.find((candidate) => samePath(candidate.path, file.path));
      if (input !== undefined) {
        throw new InputError(
          `${output.flag} \`${output.path}\` would write over ${input.flag} \`${input.path}\`, which this command reads; nothing was read or sent: give ${output.flag} another file`,
          { field: output.flag.replace(/^-+/, '') },
        );
      }
    }
    for (const other of written.slice(index + 1)) {
      if (files.some((file) => other.files.some((otherFile) => samePath(file.path, otherFile.path)))) {
        throw new InputError(
          `${output.flag} \`${output.path}\` and ${other.output.flag} \`${other.output.path}\` would write the same file; nothing was read or sent: give them different files`,
          { field: output.flag.replace(/^-+/, '') },
        );
      }
    }
  }
}

/**
 * The files `run` and `eval` read: the data, a task file, a price file, and the store directory
 * (an output named like it would be written only after every call was paid for, and then fail).
 */
export function commandInputs(values: {
  data: string;
  task: string;
  prices?: string;
  storeDir?: string;
}): NamedPath[] {
  return [
    { flag: '--data', path: values.data },
    { flag: '--task', path: values.task },
    ...(values.prices === undefined ? [] : [{ flag: '--prices', path: values.prices }]),
    ...(values.storeDir === undefined ? [] : [{ flag: '--store-dir', path: values.storeDir }]),
  ];
}

/** The data file's format where results can be written in it, else JSON Lines. */
function resultsExtension(dataFile: string): string {
  const extension = extname(dataFile).toLowerCase();
  return ['.csv', '.jsonl', '.ndjson', '.parquet'].includes(extension) ? extension : '.jsonl';
}

/**
 * Where `run` without `--out` writes its results: beside the data file, named after it
 * (`tickets.csv` gives `tickets.results.csv`), in its format where results can be written in it
 * and JSON Lines otherwise; never over an existing file: `tickets.results-2.csv` and so on after
 * it. A name whose `.partial` an earlier, unfinished run left is taken again, so that the same
 * command resumes into the same file.
 */
export function defaultResultsFile(dataFile: string): string {
  const extension = resultsExtension(dataFile);
  const stem = join(dirname(dataFile), basename(dataFile, extname(dataFile)));
  for (let attempt = 1; ; attempt += 1) {
    const candidate = `${stem}.results${attempt === 1 ? '' : `-${attempt}`}${extension}`;
    if (!existsSync(candidate)) return candidate;
  }
}
