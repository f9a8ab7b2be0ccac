/**
 * Header names that can carry a credential. `token` alone is not on the list: the rate-limit
 * headers (`x-ratelimit-remaining-tokens`) are exactly what the scheduler needs to see.
 */
const credentialHeaderPattern =
  /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|x-goog-api-key)$|api[-_]?key|secret|password|credential|session-token|security-token|access-token/;

/**
 * Response headers with lower-cased names, without those that could carry a credential and
 * without any whose value contains one of `secrets` (a server that echoes the key back).
 */
export function sanitizeHeaders(
  headers: Record<string, string | undefined> | undefined,
  secrets: readonly string[] = [],
): Record<string, string> {
  const sanitized: Record<string, string> = {};
  if (headers === undefined) return sanitized;
  for (const [name, value] of Object.entries(headers)) {
    const lowerName = name.toLowerCase();
    if (value === undefined || credentialHeaderPattern.test(lowerName)) continue;
    if (secrets.some((secret) => secret.length > 0 && value.includes(secret))) continue;
    sanitized[lowerName] = value;
  }
  return sanitized;
}
