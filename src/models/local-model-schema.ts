import type { JsonSchema } from '../spec/chat-model.js';
import { InputError } from '../spec/errors.js';

// Keywords node-llama-cpp's JSON-schema grammar enforces; see its GbnfJsonSchema type.
const enforcedKeywords = new Set([
  'type',
  'const',
  'enum',
  'oneOf',
  'properties',
  'additionalProperties',
  'minProperties',
  'maxProperties',
  'items',
  'prefixItems',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'format',
  '$defs',
  '$ref',
  'description',
]);

// Keywords that only document or that the grammar already implies: dropped without loss.
// `required` is implied because node-llama-cpp makes every listed property required.
const droppedKeywords = new Set(['required', '$schema', '$id', 'title', 'default', 'examples', 'strict']);

/**
 * Turns a request's JSON schema into the dialect of node-llama-cpp's grammar generator, which
 * enforces the schema token by token so that a reply always parses. `anyOf` becomes `oneOf` (the
 * same set of values for a grammar). Keywords the grammar cannot enforce (`minimum`, `pattern`,
 * `allOf`, ...) are rejected, so a schema never looks enforced when it is not.
 */
export function toGrammarJsonSchema(schema: JsonSchema, path = '$'): JsonSchema {
  const converted: JsonSchema = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (droppedKeywords.has(keyword)) continue;
    const target = keyword === 'anyOf' ? 'oneOf' : keyword;
    if (!enforcedKeywords.has(target)) {
      throw new InputError(
        `The JSON schema keyword \`${keyword}\` at \`${path}\` cannot be enforced by a local model's grammar; supported: ${[...enforcedKeywords].join(', ')}`,
        { field: 'responseFormat' },
      );
    }
    converted[target] = convertValue(target, value, `${path}.${keyword}`);
  }
  return converted;
}

function convertValue(keyword: string, value: unknown, path: string): unknown {
  switch (keyword) {
    case 'items':
    case 'additionalProperties':
      return isSchema(value) ? toGrammarJsonSchema(value, path) : value;
    case 'oneOf':
    case 'prefixItems':
      return Array.isArray(value)
        ? value.map((entry, index) =>
            isSchema(entry) ? toGrammarJsonSchema(entry, `${path}[${index}]`) : entry,
          )
        : value;
    case 'properties':
    case '$defs':
      return isSchema(value)
        ? Object.fromEntries(
            Object.entries(value).map(([name, entry]) => [
              name,
              isSchema(entry) ? toGrammarJsonSchema(entry, `${path}.${name}`) : entry,
            ]),
          )
        : value;
    default:
      return value;
  }
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
