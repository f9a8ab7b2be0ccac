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
  [
    /([?&](?:key|api[-_]?key|access[-_]?token|token|secret|client[-_]?secret|password|passwd|pwd|auth|sig|signature)=)[^&#\s"']+/gi,
    '$1[redacted]',
  ],
  // Userinfo in any URL: `https://user:password@host/` keeps the host, loses the credentials.
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"']+@/gi, '$1[redacted]@'],
  // Key formats of the providers we speak to (OpenAI and Anthropic `sk-...`, Google `AIza...`).
  [/\bsk-[A-Za-z0-9_-]{8,}/g, '[redacted]'],
  [/\bAIza[0-9A-Za-z_-]{20,}/g, '[redacted]'],
];

/**
 * A secret as written and in the encodings a server or a model echoes it in: URL-encoded, and
 * base64 (standard and URL-safe) at each of the three byte offsets it can start at inside a longer
 * base64 text (only the characters that depend on the secret alone, so the match is exact).
 */
function encodingsOf(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const variants = new Set([secret, encodeURIComponent(secret)]);
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const start = [0, 2, 3][offset]!;
    const end = Math.floor((offset + bytes.length) / 3) * 4;
    const part = encoded.slice(start, end);
    if (part.length >= 8) {
      variants.add(part);
      variants.add(part.replaceAll('+', '-').replaceAll('/', '_'));
    }
  }
  return [...variants];
}

/**
 * Text with every known secret and every credential-shaped fragment replaced by `[redacted]`.
 * Known secrets go first, so a key of an unusual shape is caught even when no pattern knows it.
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let redacted = text;
  // Short values would redact ordinary words; no real API key is this short.
  for (const secret of secrets) {
    if (secret.length < 6) continue;
    for (const variant of encodingsOf(secret)) redacted = redacted.split(variant).join('[redacted]');
  }
  for (const [pattern, replacement] of credentialPatterns) redacted = redacted.replace(pattern, replacement);
  return redacted;
}
