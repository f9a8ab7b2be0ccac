import type { BatchProvider } from '../jobs/batch-provider.js';
import { InputError } from '../spec/errors.js';
import { parseWithProvider } from './model-uri.js';
import { resolveAccess } from './provider.js';
import { factoriesOf } from './provider-factories.js';
import { batchApiHelp } from './provider-table.js';

export interface BatchProviderSettings {
  /** As `--base-url`; @default the provider's endpoint variable, then its own URL. */
  baseUrl?: string;
  /** API key. @default the provider's variable in `env` */
  apiKey?: string;
  /** Where keys and base URLs are read from. @default process.env */
  env?: Record<string, string | undefined>;
}

/**
 * The batch endpoint of a model URI: the batch factory of its row in the provider table, with the
 * key and base URL its online adapter would use. `baseUrl` is the URL to record with the job when
 * it is not the provider's own (a key never goes into it: it is checked before it is stored).
 */
export function createBatchProvider(
  uri: string,
  settings: BatchProviderSettings = {},
): { provider: BatchProvider; baseUrl: string | undefined } {
  const { target, provider } = parseWithProvider(uri);
  const createBatch = factoriesOf(provider).createBatch;
  if (provider.batch === undefined || createBatch === undefined) {
    throw new InputError(`--batch-api works with ${batchApiHelp()}, not \`${target.uri}\``, {
      field: 'model',
    });
  }
  const access = resolveAccess(provider, target, settings);
  // The URL is recorded with the job so that `batchprompt jobs` can reach it again later; a
  // password in it would be recorded too.
  if (access.authorization !== undefined) {
    throw new InputError(
      `--batch-api takes the key of \`${target.uri}\` from the environment, not from \`user:password@\` in the base URL (the URL is recorded with each job)`,
      { field: 'baseUrl' },
    );
  }
  return {
    provider: createBatch({ target, access }),
    baseUrl: access.ownEndpoint ? undefined : access.baseUrl,
  };
}
