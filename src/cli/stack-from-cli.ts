import type { BatchApiOptions, ModelStackOptions } from '../stack/create-model-stack.js';
import type { CommandValues } from './command-options.js';

/**
 * The model-stack options that the scheduling flags set (leaving the others to their defaults):
 * the same for every command that calls a model.
 */
export function schedulingFromCli(values: CommandValues): Partial<ModelStackOptions> {
  const options: Partial<ModelStackOptions> = {};
  if (values.baseUrl !== undefined) options.baseUrl = values.baseUrl;
  if (values.concurrency !== undefined) options.concurrency = values.concurrency;
  if (values.rpm !== undefined) options.requestsPerMinute = values.rpm;
  if (values.tpm !== undefined) options.tokensPerMinute = values.tpm;
  if (values.timeoutMs !== undefined) options.timeoutMs = values.timeoutMs;
  if (values.maxRetries !== undefined) options.maxRetries = values.maxRetries;
  if (values.breakAfter !== undefined) options.breakAfter = values.breakAfter;
  if (values.simLatencyMs !== undefined) options.simLatencyMs = values.simLatencyMs;
  if (values.serviceTier !== undefined) options.serviceTier = values.serviceTier;
  return options;
}

/**
 * With `--batch-api`: the polling flags (the stack finds the provider's batch endpoint itself);
 * each command adds its own waiting. Undefined without the flag.
 */
export function batchApiFromCli(values: CommandValues): BatchApiOptions | undefined {
  if (!values.batchApi) return undefined;
  return {
    ...(values.pollIntervalMs === undefined ? {} : { pollIntervalMs: values.pollIntervalMs }),
    ...(values.maxPollIntervalMs === undefined ? {} : { maxPollIntervalMs: values.maxPollIntervalMs }),
  };
}

/** With `--queue`: the calls go to Redis as jobs for `batchprompt worker` processes. */
export function queueFromCli(values: CommandValues): Pick<ModelStackOptions, 'queue'> {
  if (values.queue === undefined) return {};
  return {
    queue: {
      url: values.queue,
      ...(values.queueWaitMs === undefined ? {} : { outageTimeoutMs: values.queueWaitMs }),
    },
  };
}
