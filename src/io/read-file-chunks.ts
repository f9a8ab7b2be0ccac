import { createReadStream } from 'node:fs';
import { InputError } from '../spec/errors.js';
import { checkDataFile } from './check-data-file.js';

/** 64 KiB: large enough for throughput, small enough that the first row arrives at once. */
const chunkBytes = 64 * 1024;

/**
 * The bytes of `file`, one chunk at a time. Breaking out of the loop closes the file, so a reader
 * that stops early never holds more than one chunk.
 */
export async function* readFileChunks(file: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  signal?.throwIfAborted();
  await checkDataFile(file);
  const stream = createReadStream(file, { highWaterMark: chunkBytes });
  try {
    for await (const chunk of stream) {
      signal?.throwIfAborted();
      yield chunk as Buffer;
    }
  } catch (error) {
    if (signal?.aborted || InputError.isInstance(error)) throw error;
    throw new InputError(`cannot read the file: ${(error as Error).message}`, { file, cause: error });
  } finally {
    stream.destroy();
  }
}
