import { parseWithProvider } from '../../providers/model-uri.js';
import type { QueueWorker, WorkerEvent } from '../../queue/queue-worker.js';
import { fatalEndpointError, InputError } from '../../spec/errors.js';
import { wrapChatModel } from '../../spec/wrap-chat-model.js';
import { createModelStack } from '../../stack/create-model-stack.js';
import { rteTask } from '../../task/builtin-tasks.js';
import type { CommandValues } from '../command-options.js';
import { exitCodes } from '../exit-codes.js';

/** A worker's values: the schema's, with the ones it requires and defaults always there. */
interface WorkerCliValues extends CommandValues {
  queue: string;
  model: string;
  concurrency: number;
}

/** One plain log line per worker event. */
export function describeWorkerEvent(event: WorkerEvent): string {
  switch (event.type) {
    case 'ready':
      return `worker ready: model ${event.model}${event.simulated ? ' (simulated, not a real LLM)' : ''}, queue ${event.queue} at ${event.redis}, ${event.concurrency} calls at once`;
    case 'started':
      return `job ${event.job.slice(0, 17)} started${event.attempt > 1 ? ` (attempt ${event.attempt}, after a worker stopped)` : ''}`;
    case 'finished':
      return `job ${event.job.slice(0, 17)} done in ${event.ms} ms: ${event.inputTokens} tokens in, ${event.outputTokens} out`;
    case 'failed':
      return `job ${event.job.slice(0, 17)} failed after ${event.ms} ms${event.status === undefined ? '' : ` (${event.status})`}: ${event.error}`;
    case 'paused':
      return `every worker of the queue paused for ${event.ms} ms: ${event.reason}`;
    case 'waiting-for-tokens':
      return `the queue's tokens-per-minute budget is spent: a call waits ${event.ms} ms`;
    case 'disconnected':
      return 'lost the connection to Redis; reconnecting (jobs in flight finish, their locks may lapse)';
    case 'reconnected':
      return 'reconnected to Redis';
    case 'draining':
      return `stopping: finishing ${event.inFlight} call(s) in flight, taking no new job`;
    case 'closed':
      return `stopped: ${event.finished} job(s) done, ${event.failed} failed`;
  }
}

/** `batchprompt worker`: answers the queue's calls until stopped; returns the exit code. */
export async function runWorker(values: WorkerCliValues): Promise<number> {
  // Loaded here, not with the command line: BullMQ and its Redis client weigh on every command's start.
  const [
    { tokenBudgetKey, leaveBilledRetriesToRun },
    { openRedis, parseRedisUrl },
    { startQueueWorker },
    { limitSharedTokens },
  ] = await Promise.all([
    import('../../queue/call-job.js'),
    import('../../queue/open-redis.js'),
    import('../../queue/queue-worker.js'),
    import('../../queue/shared-token-limiter.js'),
  ]);
  const target = parseRedisUrl(values.queue);
  if (parseWithProvider(values.model).provider.simulator === true) {
    throw new InputError(
      'the in-process simulated model needs the run’s data; start `batchprompt sim serve` and give the workers --model openai-compatible:sim-gpt-4 --base-url <its url>',
      { field: 'model' },
    );
  }
  const log = (event: WorkerEvent) => {
    // JSON lines carry the time, for whoever lines up the logs of several workers.
    process.stdout.write(
      `${values.json ? JSON.stringify({ at: Date.now(), ...event }) : describeWorkerEvent(event)}\n`,
    );
  };
  const client = openRedis(target, 'batchprompt-worker', (message) => {
    if (values.json) process.stdout.write(`${JSON.stringify({ type: 'redis-error', error: message })}\n`);
    else process.stderr.write(`redis: ${message}\n`);
  });
  let worker: QueueWorker | undefined;
  let fatal = false;
  let onFatal = () => {};
  const stack = await createModelStack({
    uri: values.model,
    // Read only by the simulated model, which a worker refuses above.
    task: rteTask,
    ...(values.baseUrl === undefined ? {} : { baseUrl: values.baseUrl }),
    concurrency: values.concurrency,
    ...(values.timeoutMs === undefined ? {} : { timeoutMs: values.timeoutMs }),
    ...(values.maxRetries === undefined ? {} : { maxRetries: values.maxRetries }),
    onEvent: (event) => {
      // A 429 on one worker holds back every worker of the queue, not only this one's scheduler.
      if (event.type === 'rate-limited') void worker?.pauseAll(event.pauseMs, `429 from ${values.model}`);
      else if (event.type === 'usage-replaced') process.stderr.write(`warning: ${event.message}\n`);
    },
    // Beneath the retries: a billed failure is not retried here but by the run, above its spending
    // cap; the shared tokens-per-minute budget, with --tpm, paces every attempt.
    wrapPaidCalls: (model) =>
      leaveBilledRetriesToRun(
        values.tpm === undefined
          ? model
          : limitSharedTokens(model, {
              client,
              key: tokenBudgetKey(values.model),
              tokensPerMinute: values.tpm,
              onWait: (ms) => log({ type: 'waiting-for-tokens', ms }),
            }),
      ),
  });
  // SIGTERM or Ctrl-C drains; so does a key the endpoint refuses, which would fail every call:
  // this worker stops rather than fail the jobs that a worker with a good key would answer.
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  onFatal = () => {
    fatal = true;
    stop.abort();
  };
  worker = await startQueueWorker({
    redis: target,
    client,
    model: wrapChatModel(stack.model, {
      generate: (request, next) =>
        next(request).catch((error: unknown) => {
          if (fatalEndpointError(error)) onFatal();
          throw error;
        }),
    }),
    concurrency: values.concurrency,
    ...(values.rpm === undefined ? {} : { requestsPerMinute: values.rpm }),
    ...(values.stallMs === undefined ? {} : { stallIntervalMs: values.stallMs }),
    onEvent: log,
  });
  if (!stop.signal.aborted) await new Promise((resolve) => stop.signal.addEventListener('abort', resolve));
  process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  await worker.close();
  stack.close();
  return fatal ? exitCodes.provider : exitCodes.ok;
}
