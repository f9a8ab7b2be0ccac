import { simulatorModelOwner } from '../util/simulator-marker.js';
import { splitUrlCredentials, splitUrlQuery } from './split-url-credentials.js';

/**
 * Whether an OpenAI-compatible endpoint is batchprompt's own simulator (`batchprompt sim serve`),
 * which lists its model as owned by `simulatorModelOwner`. A run against it must be labelled
 * simulated like an in-process `sim` run, though it goes through a real provider adapter. Any
 * failure to ask (no such route, no answer within the timeout) means "not the simulator".
 */
export async function isSimulatorEndpoint(
  baseUrl: string,
  options: { fetch?: typeof globalThis.fetch; timeoutMs?: number } = {},
): Promise<boolean> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const credentials = splitUrlCredentials(baseUrl);
  const { authorization } = credentials;
  const { url, query } = splitUrlQuery(credentials.url);
  const search = query === undefined ? '' : `?${new URLSearchParams(query)}`;
  try {
    const response = await fetchImpl(`${url.replace(/\/+$/, '')}/models${search}`, {
      signal: AbortSignal.timeout(options.timeoutMs ?? 2000),
      ...(authorization === undefined ? {} : { headers: { Authorization: authorization } }),
    });
    if (!response.ok) return false;
    const body = (await response.json()) as { data?: { owned_by?: unknown }[] };
    return Array.isArray(body.data) && body.data.some((model) => model.owned_by === simulatorModelOwner);
  } catch {
    return false;
  }
}
