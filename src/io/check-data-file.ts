import { type Stats, stat } from 'node:fs';
import { promisify } from 'node:util';
import { InputError } from '../spec/errors.js';

const statFile = promisify(stat);

/**
 * Fails with an InputError that a person can act on when `file` cannot be read as a data file,
 * before any stream is opened (a stream would report ENOENT as a bare system error).
 */
export async function checkDataFile(file: string): Promise<Stats> {
  let stats: Stats;
  try {
    stats = await statFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new InputError('file not found', { file, cause: error });
    if (code === 'EACCES' || code === 'EPERM') {
      throw new InputError('cannot read the file: permission denied', { file, cause: error });
    }
    throw new InputError(`cannot read the file: ${(error as Error).message}`, { file, cause: error });
  }
  if (stats.isDirectory()) throw new InputError('is a directory, expected a data file', { file });
  return stats;
}
