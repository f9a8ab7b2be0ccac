import { InputError } from '../spec/errors.js';
import type { ModelTarget, Provider } from './provider.js';
import { findProvider, providerTable } from './provider-table.js';

/**
 * A parsed model URI: `provider` is a prefix of the provider table, `model` the provider's model
 * name (`''` for a bare `sim`, which is its default profile; for `sim:<profile>` the profile).
 */
export type ModelUri = ModelTarget;

/**
 * Splits a model URI at its first colon: `ollama:llama3.1:8b` is provider `ollama`, model
 * `llama3.1:8b` (model names keep their own colons). Throws an `InputError` naming the valid forms.
 */
export function parseModelUri(uri: string): ModelUri {
  return parseWithProvider(uri).target;
}

/** The URI parsed, with its row of the provider table. */
export function parseWithProvider(uri: string): { target: ModelUri; provider: Provider } {
  const trimmed = uri.trim();
  const colon = trimmed.indexOf(':');
  const prefix = colon === -1 ? trimmed : trimmed.slice(0, colon);
  const model = colon === -1 ? '' : trimmed.slice(colon + 1).trim();
  const provider = findProvider(prefix);
  if (provider === undefined) {
    const prefixes = providerTable.map((known) => `\`${known.prefix}:\``).join(', ');
    throw new InputError(
      `Expected a model URI starting with one of ${prefixes} (e.g. \`openai:gpt-4o-mini\`, \`sim:gpt-4\`), got \`${uri}\``,
      { field: 'model' },
    );
  }
  if (model === '' && provider.modelOptional !== true) {
    throw new InputError(
      `Expected a model name after \`${prefix}:\`, e.g. \`${provider.example}\`, got \`${uri}\``,
      { field: 'model' },
    );
  }
  return { target: { provider: prefix, model, uri: model === '' ? prefix : `${prefix}:${model}` }, provider };
}

/**
 * The key of a model in the price table: its URI, or what its provider prices it as (`sim` as
 * `sim:gpt-4`). Undefined for a string that is no model URI.
 */
export function priceKeyOf(modelId: string): string | undefined {
  try {
    const { target, provider } = parseWithProvider(modelId);
    return provider.priceKey?.(target) ?? target.uri;
  } catch {
    return undefined;
  }
}
