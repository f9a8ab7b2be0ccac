import { credentialParameterNames } from './redact-secrets.js';

export interface UrlCredentials {
  /** The URL with its `user:password@` part taken out. */
  url: string;
  /** `Basic <base64>` for the userinfo, as curl sends it; undefined when the URL had none. */
  authorization?: string;
  /**
   * The credentials as written and decoded, for redaction: the user name, the password, and
   * `user:password`, which the `Basic` header carries in base64 (`redactSecrets` derives that form
   * and the others a server could echo), and the value of a credential in the query (`?key=...`),
   * which a server can quote without its name.
   */
  secrets: string[];
}

const credentialParameter = new RegExp(`^(?:${credentialParameterNames})$`, 'i');

/**
 * Takes the userinfo (`http://user:password@host/v1`) out of a base URL. Node's fetch refuses a
 * URL with credentials, and the URL is quoted in error messages and printed, so the password
 * would travel everywhere the URL does; sent as a header instead, it goes to that host only.
 */
export function splitUrlCredentials(raw: string): UrlCredentials {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return { url: raw, secrets: [] };
  }
  const querySecrets = [...parsed.searchParams]
    .filter(([name]) => credentialParameter.test(name))
    .map(([, value]) => value);
  if (parsed.username === '' && parsed.password === '') {
    return { url: raw, secrets: querySecrets.filter((secret) => secret !== '') };
  }
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  const secrets = [
    ...new Set([`${user}:${password}`, parsed.username, parsed.password, user, password, ...querySecrets]),
  ].filter((secret) => secret !== '' && secret !== ':');
  parsed.username = '';
  parsed.password = '';
  return {
    url: parsed.toString().replace(/\/$/, raw.endsWith('/') ? '/' : ''),
    authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
    secrets,
  };
}

/**
 * A base URL's query (`https://gateway/v1?key=...&api-version=...`) apart from the URL: the SDKs
 * append their paths to the base URL, which would land after the query (`/v1?key=...
 * /chat/completions`); given as query parameters instead, it goes with every request.
 */
export function splitUrlQuery(raw: string): { url: string; query?: Record<string, string> } {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return { url: raw };
  }
  if (parsed.search === '') return { url: raw };
  const query = Object.fromEntries(parsed.searchParams);
  parsed.search = '';
  return { url: parsed.toString().replace(/\/$/, ''), query };
}

/**
 * A base URL as it may be written down (the batch job journal): without its userinfo and without
 * the credentials of its query (`?key=...`), which are sent with each request and never stored.
 */
export function urlWithoutCredentials(raw: string): string {
  const { url } = splitUrlCredentials(raw);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const names = [...parsed.searchParams.keys()].filter((name) => credentialParameter.test(name));
  if (names.length === 0) return url;
  for (const name of names) parsed.searchParams.delete(name);
  return parsed.toString();
}
