import { describe, expect, it } from 'vitest';
import { redactSecrets } from './redact-secrets.js';
import { splitUrlCredentials } from './split-url-credentials.js';

describe('redactSecrets', () => {
  it('removes a known secret of any shape', () => {
    expect(redactSecrets('key was hunter2-plain', ['hunter2-plain'])).toBe('key was [redacted]');
  });

  it('removes bearer tokens, key headers and key query parameters', () => {
    expect(redactSecrets('Authorization: Bearer abc.def-123')).not.toContain('abc.def-123');
    expect(redactSecrets('{"x-api-key":"zzz-unknown-shape"}')).not.toContain('zzz-unknown-shape');
    expect(redactSecrets('https://host/v1/models?key=secretvalue&alt=json')).toBe(
      'https://host/v1/models?key=[redacted]&alt=json',
    );
  });

  it('removes OpenAI, Anthropic and Google key shapes', () => {
    const text = 'sk-proj-abcdefghijklmnop sk-ant-api03-abcdefghij AIzaSyA1234567890abcdefghijklmnop';
    expect(redactSecrets(text)).toBe('[redacted] [redacted] [redacted]');
  });

  it('removes the userinfo of any URL and credential query parameters, keeping the host', () => {
    expect(redactSecrets('fetch failed: http://user:hunter22@127.0.0.1:8/v1/chat')).toBe(
      'fetch failed: http://[redacted]@127.0.0.1:8/v1/chat',
    );
    expect(redactSecrets('see https://tokenonly@example.invalid/x')).toBe(
      'see https://[redacted]@example.invalid/x',
    );
    expect(redactSecrets('https://h/v1?password=p4ss&sig=abc&alt=json')).toBe(
      'https://h/v1?password=[redacted]&sig=[redacted]&alt=json',
    );
  });

  it('removes a known secret URL-encoded and in base64 at any offset of a longer base64 text', () => {
    const secret = 'odd/key+shape=1';
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      const blob = Buffer.from(`${prefix}${secret}!!`).toString('base64');
      expect(redactSecrets(`blob ${blob}`, [secret])).toContain('[redacted]');
      expect(redactSecrets(`blob ${blob.replaceAll('+', '-').replaceAll('/', '_')}`, [secret])).toContain(
        '[redacted]',
      );
    }
    expect(redactSecrets(`q=${encodeURIComponent(secret)}`, [secret])).toBe('q=[redacted]');
  });

  it('searches for a known secret from 6 characters on, and not for shorter ones, which would redact words', () => {
    expect(redactSecrets('the key k3y-42 was refused', ['k3y-42'])).toBe('the key [redacted] was refused');
    expect(redactSecrets(`basic ${Buffer.from('k3y-42').toString('base64')}`, ['k3y-42'])).toBe(
      'basic [redacted]',
    );
    expect(redactSecrets('the key k3y-4 was refused', ['k3y-4'])).toBe('the key k3y-4 was refused');
  });

  it('leaves ordinary text alone', () => {
    const text = 'Rate limit reached for gpt-4o-mini: 30000 tokens per min. Try again in 2s.';
    expect(redactSecrets(text, ['abc'])).toBe(text);
  });

  it('removes a URL password whole from a Basic header echoed in base64, base64 of base64 and URL-encoded', () => {
    // As splitUrlCredentials gives them for http://batch-user:PLANTED-pw-Zq7xK4v9wQ256@host/v1.
    const { authorization, secrets } = splitUrlCredentials('http://batch-user:PLANTED-pw-Zq7xK4v9wQ256@h/v1');
    const token = authorization!.slice('Basic '.length);
    const echoed = [
      `Authorization: ${authorization}`,
      // The reply of the issue: before, `[redacted][redacted]NTY=`, the password's last two bytes left.
      token,
      Buffer.from(authorization!).toString('base64'),
      // Base64 of the token decodes to the token, which decodes to user:password.
      Buffer.from(token).toString('base64'),
      Buffer.from(token).toString('base64url'),
      'batch-user:PLANTED-pw-Zq7xK4v9wQ256',
      encodeURIComponent('batch-user:PLANTED-pw-Zq7xK4v9wQ256'),
      encodeURIComponent(authorization!),
      encodeURIComponent(authorization!).replace(/%[0-9A-F]{2}/g, (sequence) => sequence.toLowerCase()),
      Buffer.from(`x${'batch-user:PLANTED-pw-Zq7xK4v9wQ256'}yz`).toString('base64'),
    ];
    for (const text of echoed) {
      const redacted = redactSecrets(`echo ${text} end`, secrets);
      // Nothing is left of the form but the marker (and the header's name).
      expect(redacted.replace(/\[redacted\]|Authorization:|Basic|%20/g, '').replace(/\s+/g, ' ')).toBe(
        'echo end',
      );
    }
  });

  it('redacts a base64 text that holds a secret whole, its edges included, and leaves base64 without one', () => {
    const secret = 'PLANTED-pw-Zq7xK4v9wQ256';
    for (const prefix of ['', 'a', 'ab']) {
      for (const suffix of ['', 'y', 'yz']) {
        const blob = Buffer.from(`${prefix}${secret}${suffix}`).toString('base64');
        expect(redactSecrets(`[${blob}]`, [secret])).toBe('[[redacted]]');
      }
    }
    const unrelated = Buffer.from('nothing secret in here at all').toString('base64');
    expect(redactSecrets(`b64 ${unrelated}`, [secret])).toBe(`b64 ${unrelated}`);
  });
});
