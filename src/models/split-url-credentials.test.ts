import { describe, expect, it } from 'vitest';
import { splitUrlCredentials, splitUrlQuery, urlWithoutCredentials } from './split-url-credentials.js';

describe('splitUrlCredentials', () => {
  it('takes user and password out of the URL and into a Basic authorization', () => {
    const split = splitUrlCredentials('http://batch-user:p%40ss@127.0.0.1:8000/v1');
    expect(split.url).toBe('http://127.0.0.1:8000/v1');
    expect(split.authorization).toBe(`Basic ${Buffer.from('batch-user:p@ss').toString('base64')}`);
    expect(split.secrets).toEqual(
      expect.arrayContaining(['batch-user:p@ss', 'batch-user', 'p%40ss', 'p@ss']),
    );
  });

  it('leaves a URL without credentials, or that is no URL, as it is', () => {
    expect(splitUrlCredentials('http://127.0.0.1:8000/v1/')).toEqual({
      url: 'http://127.0.0.1:8000/v1/',
      secrets: [],
    });
    expect(splitUrlCredentials('not a url')).toEqual({ url: 'not a url', secrets: [] });
  });

  it('counts the value of a credential in the query among the secrets, decoded, and no other value', () => {
    expect(
      splitUrlCredentials(
        'https://gateway.example/v1?api-version=2024-10-21&key=k3y%2Bvalue-123&Sig=abcdef12',
      ),
    ).toEqual({
      url: 'https://gateway.example/v1?api-version=2024-10-21&key=k3y%2Bvalue-123&Sig=abcdef12',
      secrets: ['k3y+value-123', 'abcdef12'],
    });
    const both = splitUrlCredentials('http://u:pass-word@127.0.0.1/v1?token=tok-123456');
    expect(both.url).toBe('http://127.0.0.1/v1?token=tok-123456');
    expect(both.secrets).toEqual(expect.arrayContaining(['pass-word', 'tok-123456']));
  });
});

describe('splitUrlQuery', () => {
  it('takes the query off a base URL, so that the SDKs can put their paths before it', () => {
    expect(splitUrlQuery('http://127.0.0.1:8000/v1/?key=abc&api-version=1')).toEqual({
      url: 'http://127.0.0.1:8000/v1',
      query: { key: 'abc', 'api-version': '1' },
    });
    expect(splitUrlQuery('http://127.0.0.1:8000/v1')).toEqual({ url: 'http://127.0.0.1:8000/v1' });
    expect(splitUrlQuery('not a url')).toEqual({ url: 'not a url' });
  });
});

describe('urlWithoutCredentials', () => {
  it('drops the userinfo and the credentials of the query, and keeps the rest of the URL', () => {
    expect(urlWithoutCredentials('http://u:pw@127.0.0.1:8000/v1?api-version=1&key=k3y&sig=abc')).toBe(
      'http://127.0.0.1:8000/v1?api-version=1',
    );
    expect(urlWithoutCredentials('http://127.0.0.1:8000/v1?token=t0k')).toBe('http://127.0.0.1:8000/v1');
    expect(urlWithoutCredentials('http://127.0.0.1:8000/v1')).toBe('http://127.0.0.1:8000/v1');
  });
});
