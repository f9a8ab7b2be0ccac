import type { ModelStackOptions } from '../stack/create-model-stack.js';
import { prepareBatchApi } from '../stack/prepare-batch-api.js';
import { printSchedulerEvent } from './describe-scheduler-event.js';
import type { CliValues } from './option-table.js';

/**
 * The model-stack options that the scheduling flags set (leaving the others to their defaults),
 * with the scheduler's events on stderr: the same for every command that calls a model.
 */
export function schedulingFromCli(values: CliValues): Partial<ModelStackOptions> {
  const options: Partial<ModelStackOptions> = { onSchedulerEvent: printSchedulerEvent };
  if (values.baseUrl !== undefined) options.baseUrl = values.baseUrl;
  if (values.concurrency !== undefined) options.concurrency = values.concurrency;
  if (values.rpm !== undefined) options.requestsPerMinute = values.rpm;
  if (values.tpm !== undefined) options.tokensPerMinute = values.tpm;
  if (values.timeoutMs !== undefined) options.timeoutMs = values.timeoutMs;
  if (values.maxRetries !== undefined) options.maxRetries = values.maxRetries;
  if (values.simLatencyMs !== undefined) options.simLatencyMs = values.simLatencyMs;
  return options;
}

/**
 * With `--batch-api`: the provider's batch endpoint for the model and the polling flags; each
 * command adds its own event handling. Undefined without the flag.
 */
export async function batchApiFromCli(
  values: CliValues,
  uri: string,
): Promise<
  | (Awaited<ReturnType<typeof prepareBatchApi>> & { pollIntervalMs?: number; maxPollIntervalMs?: number })
  | undefined
> {
  if (!values.batchApi) return undefined;
  return {
    ...(await prepareBatchApi(uri, values.baseUrl)),
    ...(values.pollIntervalMs === undefined ? {} : { pollIntervalMs: values.pollIntervalMs }),
    ...(values.maxPollIntervalMs === undefined ? {} : { maxPollIntervalMs: values.maxPollIntervalMs }),
  };
}
