/** Names of URL query parameters whose value is a credential (`?key=...`, `&sig=...`). */
export const credentialParameterNames =
  'key|api[-_]?key|access[-_]?token|token|secret|client[-_]?secret|password|passwd|pwd|auth|sig|signature';

/**
 * Shapes that carry a credential wherever they appear in text: SDK error messages quote response
 * bodies, URLs and sometimes request headers, and any of those can hold an API key.
 */
const credentialPatterns: ReadonlyArray<readonly [RegExp, string]> = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]'],
  [
    /((?:authorization|proxy-authorization|x-api-key|api-key|x-goog-api-key)["']?\s*[:=]\s*["']?)[^"'\s,;}]+/gi,
    '$1[redacted]',
  ],
  [new RegExp(`([?&](?:${credentialParameterNames})=)[^&#\\s"']+`, 'gi'), '$1[redacted]'],
  // Userinfo in any URL: `https://user:password@host/` keeps the host, loses the credentials.
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"']+@/gi, '$1[redacted]@'],
  // Key formats of the providers we speak to (OpenAI and Anthropic `sk-...`, Google `AIza...`).
  [/\bsk-[A-Za-z0-9_-]{8,}/g, '[redacted]'],
  [/\bAIza[0-9A-Za-z_-]{20,}/g, '[redacted]'],
];

/** Secrets shorter than this are not searched for: they would redact ordinary words. */
const shortestSecret = 6;

/** The characters of base64, standard and URL-safe; `=` only pads its end. */
const base64Character = /[A-Za-z0-9+/_-]/;

/** How a secret can be written in text, and so searched for. */
export interface SecretForms {
  /** Exact spellings: the secret as is and URL-encoded. */
  literal: string[];
  /**
   * Base64 fragments: the characters that depend on the secret alone, at each of the three byte
   * offsets it can start at inside a longer base64 text, standard and URL-safe. A match stands for
   * the whole base64 text around it, whose edges still carry bits of the secret.
   */
  base64: string[];
}

function base64Fragments(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const fragments = new Set<string>();
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const start = [0, 2, 3][offset]!;
    const end = Math.floor((offset + bytes.length) / 3) * 4;
    const fragment = encoded.slice(start, end);
    if (fragment.length >= 8) {
      fragments.add(fragment);
      fragments.add(fragment.replaceAll('+', '-').replaceAll('/', '_'));
    }
  }
  return [...fragments];
}

function urlEncodings(value: string): string[] {
  const encoded = encodeURIComponent(value);
  return [encoded, encoded.replace(/%[0-9A-F]{2}/g, (sequence) => sequence.toLowerCase())];
}

/**
 * Every form of the secrets to search for: each secret, and its base64 as a secret of its own
 * (a server that base64-encodes a `Basic` header encodes base64 again), written as is,
 * URL-encoded, and as base64 at any offset. Longest first, so that a longer form is redacted
 * whole before a shorter one could cut it apart.
 */
export function secretForms(secrets: readonly string[]): SecretForms {
  const literal = new Set<string>();
  const base64 = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < shortestSecret) continue;
    const encoded = Buffer.from(secret, 'utf8').toString('base64');
    for (const spelling of [secret, ...urlEncodings(secret)]) literal.add(spelling);
    // The base64 form as is is found by its fragments, and its whole base64 text goes with it;
    // URL-encoded (`%2B`, `%2F`, `%3D`) it is no longer one base64 text, so it is spelt out.
    for (const spelling of [...urlEncodings(encoded), ...urlEncodings(encoded.replace(/=+$/, ''))]) {
      if (spelling.includes('%')) literal.add(spelling);
    }
    for (const form of [secret, encoded]) {
      for (const fragment of base64Fragments(form)) base64.add(fragment);
    }
  }
  const longestFirst = (values: Set<string>) => [...values].sort((left, right) => right.length - left.length);
  return { literal: longestFirst(literal), base64: longestFirst(base64) };
}

/**
 * `text` with every base64 text that holds one of `fragments` replaced whole by `[redacted]`: the
 * characters at a fragment's edges mix the secret's first and last bits with their neighbours',
 * so the whole run of base64 characters goes, up to and including its `=` padding (an `=` before
 * it, as in `key=...`, ends the run: base64 never has one inside).
 */
function redactBase64Runs(text: string, fragments: readonly string[]): string {
  let redacted = text;
  for (const fragment of fragments) {
    let at = redacted.indexOf(fragment);
    while (at >= 0) {
      let start = at;
      let end = at + fragment.length;
      while (start > 0 && base64Character.test(redacted[start - 1]!)) start -= 1;
      while (end < redacted.length && base64Character.test(redacted[end]!)) end += 1;
      while (end < redacted.length && redacted[end] === '=') end += 1;
      redacted = `${redacted.slice(0, start)}[redacted]${redacted.slice(end)}`;
      at = redacted.indexOf(fragment, start + '[redacted]'.length);
    }
  }
  return redacted;
}

/**
 * Text with every known secret, in every form a server could echo it in, and every
 * credential-shaped fragment replaced by `[redacted]`. Known secrets go first, so a key of an
 * unusual shape is caught even when no pattern knows it.
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  const forms = secretForms(secrets);
  // Exact spellings first: a URL-encoded base64 form (`%2B`, `%3D`) is then taken whole, before
  // the base64 search could stop at its first `%` and leave the rest.
  let redacted = text;
  for (const literal of forms.literal) redacted = redacted.split(literal).join('[redacted]');
  redacted = redactBase64Runs(redacted, forms.base64);
  for (const [pattern, replacement] of credentialPatterns) redacted = redacted.replace(pattern, replacement);
  return redacted;
}
