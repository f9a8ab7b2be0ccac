import type { BatchProvider } from '../jobs/batch-provider.js';
import { isSimulatorEndpoint } from '../models/detect-simulator.js';
import { createBatchProvider } from '../providers/create-batch-provider.js';

/** A model's batch endpoint, resolved once (see `prepareBatchApi`). */
export interface BatchApiSetup {
  provider: BatchProvider;
  baseUrl: string | undefined;
  /** The endpoint is batchprompt's simulator. */
  simulated: boolean;
}

/**
 * The batch endpoint for a model URI and whether it is the simulator (asked only when a base URL
 * was given, by flag or environment: the providers' own endpoints are never the simulator).
 */
export async function prepareBatchApi(uri: string, baseUrl: string | undefined): Promise<BatchApiSetup> {
  const resolved = createBatchProvider(uri, baseUrl === undefined ? {} : { baseUrl });
  return {
    ...resolved,
    simulated: resolved.baseUrl === undefined ? false : await isSimulatorEndpoint(resolved.baseUrl),
  };
}
