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
  [/([?&](?:key|api[-_]?key|access[-_]?token|token|secret)=)[^&#\s"']+/gi, '$1[redacted]'],
  // Key formats of the providers we speak to (OpenAI and Anthropic `sk-...`, Google `AIza...`).
  [/\bsk-[A-Za-z0-9_-]{8,}/g, '[redacted]'],
  [/\bAIza[0-9A-Za-z_-]{20,}/g, '[redacted]'],
];

/**
 * Text with every known secret and every credential-shaped fragment replaced by `[redacted]`.
 * Known secrets go first, so a key of an unusual shape is caught even when no pattern knows it.
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let redacted = text;
  // Short values would redact ordinary words; no real API key is this short.
  for (const secret of secrets) if (secret.length >= 6) redacted = redacted.split(secret).join('[redacted]');
  for (const [pattern, replacement] of credentialPatterns) redacted = redacted.replace(pattern, replacement);
  return redacted;
}
