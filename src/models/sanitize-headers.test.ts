import { describe, expect, it } from 'vitest';
import { sanitizeHeaders } from './sanitize-headers.js';

describe('sanitizeHeaders', () => {
  it('lower-cases names and keeps rate-limit headers', () => {
    expect(
      sanitizeHeaders({ 'Retry-After': '2', 'X-RateLimit-Remaining-Tokens': '100', 'x-request-id': 'req_1' }),
    ).toEqual({ 'retry-after': '2', 'x-ratelimit-remaining-tokens': '100', 'x-request-id': 'req_1' });
  });

  it('drops headers that could carry a credential', () => {
    const sanitized = sanitizeHeaders({
      Authorization: 'Bearer x',
      'x-api-key': 'x',
      'api-key': 'x',
      'X-Goog-Api-Key': 'x',
      'set-cookie': 'session=x',
      'x-amz-security-token': 'x',
      'x-client-secret': 'x',
      'content-type': 'application/json',
    });
    expect(sanitized).toEqual({ 'content-type': 'application/json' });
  });

  it('drops a header whose value echoes a known secret, and undefined values', () => {
    expect(sanitizeHeaders({ 'x-debug': 'key=sk-test-1', 'x-empty': undefined }, ['sk-test-1'])).toEqual({});
  });
});
