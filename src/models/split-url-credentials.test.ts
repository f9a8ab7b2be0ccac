import { describe, expect, it } from 'vitest';
import { splitUrlCredentials } from './split-url-credentials.js';

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
});
