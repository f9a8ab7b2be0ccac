import { describe, expect, it } from 'vitest';
import { ApiCallError, isFatalStatus, isRetryableStatus } from './errors.js';

describe('which endpoint errors are tried again, and which stop the run', () => {
  it('retries a timeout, a conflict, a rate limit, a server error and a call that got no status at all', () => {
    for (const status of [undefined, 408, 409, 429, 500, 502, 503, 529])
      expect(isRetryableStatus(status), String(status)).toBe(true);
  });

  it('does not retry a request the endpoint refused as it was', () => {
    for (const status of [400, 401, 402, 403, 404, 413, 422])
      expect(isRetryableStatus(status), String(status)).toBe(false);
  });

  it('stops the run on a bad key, a missing permission or an unknown model or path, and on nothing else', () => {
    for (const status of [401, 403, 404]) expect(isFatalStatus(status), String(status)).toBe(true);
    for (const status of [undefined, 400, 408, 409, 422, 429, 500])
      expect(isFatalStatus(status), String(status)).toBe(false);
  });

  it('never retries an error that stops the run, whatever its status says', () => {
    expect(new ApiCallError('conflict', { status: 409 })).toMatchObject({
      isRetryable: true,
      isFatal: false,
    });
    expect(new ApiCallError('no such model', { status: 404 })).toMatchObject({
      isRetryable: false,
      isFatal: true,
    });
    expect(new ApiCallError('refused', { status: 503, isFatal: true })).toMatchObject({
      isRetryable: false,
      isFatal: true,
    });
    expect(new ApiCallError('no connection')).toMatchObject({ isRetryable: true, isFatal: false });
  });
});
