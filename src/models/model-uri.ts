import { InputError } from '../spec/errors.js';

/** Providers reached through the AI SDK: the part after the colon is the provider's model name. */
export type ApiProvider = 'openai' | 'anthropic' | 'google' | 'ollama' | 'openai-compatible';

export type ModelUri =
  | { provider: ApiProvider; model: string; uri: string }
  /** The simulated model; `profile` picks its calibration, e.g. `gpt-4` in `sim:gpt-4`. */
  | { provider: 'sim'; profile: string | undefined; uri: string }
  /** A local GGUF file or `hf:<repo>/<file>`: reserved, not served yet. */
  | { provider: 'local'; model: string; uri: string };

const apiProviders: readonly ApiProvider[] = ['openai', 'anthropic', 'google', 'ollama', 'openai-compatible'];
const knownPrefixes = [...apiProviders, 'sim', 'local'];

function isApiProvider(prefix: string): prefix is ApiProvider {
  return (apiProviders as readonly string[]).includes(prefix);
}

/**
 * Splits a model URI at its first colon: `ollama:llama3.1:8b` is provider `ollama`, model
 * `llama3.1:8b` (model names keep their own colons). Throws an `InputError` naming the valid forms.
 */
export function parseModelUri(uri: string): ModelUri {
  const trimmed = uri.trim();
  const colon = trimmed.indexOf(':');
  const prefix = colon === -1 ? trimmed : trimmed.slice(0, colon);
  const rest = colon === -1 ? '' : trimmed.slice(colon + 1).trim();
  const canonical = rest === '' ? prefix : `${prefix}:${rest}`;

  if (prefix === 'sim') {
    return { provider: 'sim', profile: rest === '' ? undefined : rest, uri: canonical };
  }
  if (prefix === 'local' || isApiProvider(prefix)) {
    if (rest === '') {
      throw new InputError(
        `Expected a model name after \`${prefix}:\`, e.g. \`${example(prefix)}\`, got \`${uri}\``,
        {
          field: 'model',
        },
      );
    }
    return prefix === 'local'
      ? { provider: 'local', model: rest, uri: canonical }
      : { provider: prefix, model: rest, uri: canonical };
  }
  throw new InputError(
    `Expected a model URI starting with one of ${knownPrefixes.map((known) => `\`${known}:\``).join(', ')} ` +
      `(e.g. \`openai:gpt-4o-mini\`, \`sim:gpt-4\`), got \`${uri}\``,
    { field: 'model' },
  );
}

function example(prefix: string): string {
  switch (prefix) {
    case 'openai':
      return 'openai:gpt-4o-mini';
    case 'anthropic':
      return 'anthropic:claude-sonnet-4-5';
    case 'google':
      return 'google:gemini-2.5-flash';
    case 'ollama':
      return 'ollama:llama3.1:8b';
    case 'local':
      return 'local:model.gguf';
    default:
      return `${prefix}:my-model`;
  }
}
