import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchPromptError } from '../spec/errors.js';

/** The file in the store directory that holds the batch-code secret. */
export const tagSecretFileName = 'tag-secret';

const secretPattern = /^[0-9a-f]{64}$/;

/**
 * The store's batch-code secret: 32 random bytes, created the first time a store needs one and
 * read back ever after, so that a resumed run renders the same prompts and hits the response cache.
 * Whoever writes the data cannot read it, so cannot compute a batch code ahead of time. It is
 * created under a temporary name and linked into place, so two processes starting on one store
 * agree on a single secret and neither reads a half-written file.
 */
export function storeTagSecret(storeDirectory: string): string {
  const file = join(storeDirectory, tagSecretFileName);
  const draft = join(storeDirectory, `${tagSecretFileName}.${process.pid}.${randomBytes(4).toString('hex')}`);
  try {
    writeFileSync(draft, randomBytes(32).toString('hex'), { mode: 0o600 });
    try {
      linkSync(draft, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(draft);
    }
    const secret = readFileSync(file, 'utf8').trim();
    if (!secretPattern.test(secret)) {
      throw new BatchPromptError(
        `Expected ${file} to hold 64 hex digits; delete it to make a new secret (cached replies of secret-tagged runs are then missed)`,
      );
    }
    return secret;
  } catch (error) {
    if (BatchPromptError.isInstance(error)) throw error;
    throw new BatchPromptError(
      `Cannot read or create the batch-code secret ${file}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
