import { InputError } from '../spec/errors.js';

/** Property names under which a credential is usually passed. `maxOutputTokens` must not match. */
const secretKeyPattern =
  /api[-_]?key|secret|passw(or)?d|authori[sz]ation|bearer|credential|access[-_]?token|^token$/i;

/** Shapes of provider keys (OpenAI and Anthropic `sk-`, Google `AIza`), wherever they appear in a string. */
const secretValuePattern = /\bsk-[A-Za-z0-9_-]{20,}|\bAIza[0-9A-Za-z_-]{30,}/;

/**
 * Refuses a value bound for the store if it looks like it carries a credential. The store outlives
 * the process, is shared between runs and may be copied around, so a key written there once leaks for
 * good; failing loudly is better than redacting quietly and hiding a caller's bug.
 *
 * @param field names the value in the error, e.g. `config`; the secret itself is never echoed.
 */
export function assertNoSecrets(value: unknown, field: string): void {
  if (typeof value === 'string') {
    if (secretValuePattern.test(value)) {
      throw new InputError('Refusing to write what looks like an API key to the store', { field });
    }
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((element, index) => {
      assertNoSecrets(element, `${field}[${index}]`);
    });
    return;
  }
  for (const [key, nested] of Object.entries(value)) {
    if (secretKeyPattern.test(key) && nested !== undefined && nested !== null && nested !== '') {
      throw new InputError(`Refusing to write a credential-like property \`${key}\` to the store`, {
        field: `${field}.${key}`,
      });
    }
    assertNoSecrets(nested, `${field}.${key}`);
  }
}
