import { Redis } from 'ioredis';
import { redactSecrets } from '../models/redact-secrets.js';
import { splitUrlCredentials } from '../models/split-url-credentials.js';
import { InputError } from '../spec/errors.js';

/** A Redis URL checked once: where it points, printable, and the secrets it carries. */
export interface RedisTarget {
  /** The URL as given (credentials included): only ever handed to the Redis client. */
  url: string;
  /** The URL with its user name and password replaced, for every message and log line. */
  display: string;
  /** The user name and password, for redacting error text that quotes them. */
  secrets: string[];
}

/**
 * Reads `redis://[user:password@]host[:port][/db]` or `rediss://...` (TLS). Anything else is an
 * input error naming the option, with the URL's credentials left out of the message.
 */
export function parseRedisUrl(raw: string, field = 'queue'): RedisTarget {
  const { secrets } = splitUrlCredentials(raw);
  const display = redactSecrets(raw, secrets);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new InputError(`\`${display}\` is not a URL; expected redis://host:6379 or rediss://host:6380`, {
      field,
    });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new InputError(
      `\`${display}\` is not a Redis URL (${parsed.protocol.replace(':', '')}); expected redis:// or rediss:// (TLS)`,
      { field },
    );
  }
  if (parsed.hostname === '') throw new InputError(`\`${display}\` names no host`, { field });
  return { url: raw, display, secrets };
}

/** Error text from the Redis client with the URL's credentials taken out. */
export function describeRedisError(error: unknown, target: RedisTarget): string {
  const text = error instanceof Error ? error.message : String(error);
  return redactSecrets(text, target.secrets);
}

/**
 * A Redis client for BullMQ: `maxRetriesPerRequest: null` (BullMQ requires it of a connection that
 * blocks, and it makes a command issued while Redis is away wait for the reconnection rather than
 * fail), and reconnection forever with a backoff of 0.2 s growing to 2 s, so that a restarted
 * Redis is found again within 2 s. `rediss://` turns TLS on (the client reads the scheme).
 */
export function openRedis(
  target: RedisTarget,
  connectionName: string,
  onError: (message: string) => void,
): Redis {
  const client = new Redis(target.url, {
    maxRetriesPerRequest: null,
    connectionName,
    retryStrategy: (attempt) => Math.min(200 * attempt, 2000),
  });
  // Without a listener the client prints every connection error to stderr itself, unredacted.
  client.on('error', (error: unknown) => onError(describeRedisError(error, target)));
  return client;
}
