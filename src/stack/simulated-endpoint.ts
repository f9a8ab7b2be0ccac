import { isSimulatorEndpoint } from '../models/detect-simulator.js';
import type { SimModelFactory } from '../providers/create-model.js';
import { parseWithProvider } from '../providers/model-uri.js';
import { resolveAccess } from '../providers/provider.js';
import { createSimModel } from '../sim/create-sim-model.js';
import { createItemCatalog } from '../sim/item-catalog.js';
import { isSimProfileName, simProfileNames } from '../sim/profiles.js';
import type { ChatModel } from '../spec/chat-model.js';
import { InputError } from '../spec/errors.js';
import type { ModelStackOptions } from './create-model-stack.js';

/*
 * How the stack tells a simulated model from a real one: the in-process `sim`, built from the
 * data's gold answers, or batchprompt's simulator server found at an endpoint given by option or
 * environment. Either is labelled simulated in every output, and a reply of the server is never
 * replayed as a real model's.
 */

/** The endpoint and key given by option; what is not given comes from the environment. */
export function accessSettings(options: ModelStackOptions): { baseUrl?: string; apiKey?: string } {
  return {
    ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
  };
}

/**
 * Whether the model's endpoint is batchprompt's simulator: asked (`GET /models`) only of an
 * endpoint given by option or environment; a provider's own endpoint never is.
 */
export async function detectSimulatedEndpoint(options: ModelStackOptions): Promise<boolean> {
  const { uri, baseUrl } = options;
  const { target, provider } = parseWithProvider(uri);
  if (provider.endpoint === undefined) return false;
  const access = resolveAccess(provider, target, accessSettings(options));
  if (access.ownEndpoint || access.baseUrl === undefined) return false;
  // The URL as given, so that a `user:password@` in it reaches the server as it will for calls.
  return isSimulatorEndpoint(baseUrl ?? access.baseUrl);
}

/**
 * Mixed into the cache key of every call to `batchprompt sim serve`. Its replies come from gold
 * labels; under the plain key a later run of the same model name and prompts against a real
 * server (`openai:gpt-5-mini` tried on the simulator with `--base-url`, then sent to OpenAI)
 * would replay them as that server's answers, and a run whose simulator is down would replay
 * them without the simulated label.
 */
export const simulatorServerKey = 'sim-serve';

/** Whether the calls go to the simulator's server: found at the endpoint, not the in-process `sim`. */
export function answeredBySimulatorServer(uri: string, base: ChatModel): boolean {
  return base.simulated && parseWithProvider(uri).provider.simulator !== true;
}

/** The simulated model's factory, told the data set's gold answers first. */
export async function simulatedModelFactory(options: ModelStackOptions): Promise<SimModelFactory> {
  const catalog = createItemCatalog(options.task);
  for await (const item of options.knownItems?.() ?? []) catalog.add(item);
  return (profile) => {
    const name = profile ?? 'gpt-4';
    if (!isSimProfileName(name)) {
      throw new InputError(
        `unknown simulated profile \`${name}\`; the profiles are ${simProfileNames.join(', ')}`,
        { field: 'model' },
      );
    }
    return createSimModel({
      profile: name,
      task: options.task,
      catalog,
      seed: options.seed ?? 0,
      latencyMs: options.simLatencyMs ?? 0,
      unknownItems: options.simUnknownItems ?? 'guess',
    });
  };
}
