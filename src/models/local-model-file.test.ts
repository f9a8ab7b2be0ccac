import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InputError } from '../spec/errors.js';
import {
  cachedModelPath,
  type DownloadProgress,
  ensureHuggingFaceFile,
  type HuggingFaceFile,
  modelCacheDirectory,
  parseLocalModelSource,
} from './local-model-file.js';

const file: HuggingFaceFile = { owner: 'org', repo: 'repo-GGUF', file: 'model-q4.gguf' };
const content = Buffer.from('GGUF'.repeat(50_000));
const contentSha256 = createHash('sha256').update(content).digest('hex');

let directory: string;
let server: Server | undefined;
let requests: string[];

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'batchprompt-models-'));
  requests = [];
});

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  await rm(directory, { recursive: true, force: true });
});

/** A stand-in for the Hugging Face file server on 127.0.0.1. */
async function serve(
  handler: (url: string, response: import('node:http').ServerResponse) => void,
): Promise<string> {
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    handler(request.url ?? '', response);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function serveContent(body: Buffer, headers: Record<string, string> = {}) {
  return (_url: string, response: import('node:http').ServerResponse) => {
    response.writeHead(200, { 'content-length': String(body.length), ...headers });
    // In chunks, so progress is reported more than once.
    const chunkSize = 64 * 1024;
    for (let offset = 0; offset < body.length; offset += chunkSize)
      response.write(body.subarray(offset, offset + chunkSize));
    response.end();
  };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof Error)) throw new Error('expected the promise to reject');
  return error;
}

describe('ensureHuggingFaceFile', () => {
  it('downloads into the cache folder with progress, records the SHA-256, then reuses the file offline', async () => {
    const endpoint = await serve(serveContent(content));
    const progress: DownloadProgress[] = [];
    const path = await ensureHuggingFaceFile(file, {
      env: { HF_ENDPOINT: endpoint, BATCHPROMPT_MODEL_DIR: directory },
      onProgress: (update) => progress.push(update),
    });
    expect(path).toBe(join(directory, 'org', 'repo-GGUF', 'model-q4.gguf'));
    expect(requests).toEqual(['/org/repo-GGUF/resolve/main/model-q4.gguf']);
    expect(await readFile(path)).toEqual(content);
    expect(await readFile(`${path}.sha256`, 'utf8')).toBe(`${contentSha256}  model-q4.gguf\n`);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)).toEqual({
      file: 'model-q4.gguf',
      receivedBytes: content.length,
      totalBytes: content.length,
    });
    expect(await readdir(join(directory, 'org', 'repo-GGUF'))).not.toContain('model-q4.gguf.part');

    // Offline now: the endpoint points at nothing, and the cached file is used without a request.
    const again = await ensureHuggingFaceFile(file, {
      env: { HF_ENDPOINT: 'http://127.0.0.1:9', BATCHPROMPT_MODEL_DIR: directory },
    });
    expect(again).toBe(path);
  });

  it('refuses a cached file whose bytes no longer match the recorded SHA-256', async () => {
    const endpoint = await serve(serveContent(content));
    const env = { HF_ENDPOINT: endpoint, BATCHPROMPT_MODEL_DIR: directory };
    const path = await ensureHuggingFaceFile(file, { env });
    await writeFile(path, content.subarray(0, 1000));
    const error = await failure(ensureHuggingFaceFile(file, { env }));
    expect(InputError.isInstance(error)).toBe(true);
    expect(error.message).toContain(`expected ${contentSha256}`);
    expect(error.message).toContain('delete it');
  });

  it('fails at once on a closed network, naming the file, the path to put it at and --model', async () => {
    // A port that was just listening and is closed now refuses the connection. (Port 9 would not
    // do: fetch refuses it as a bad port before any connection is tried.)
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const env = { HF_ENDPOINT: `http://127.0.0.1:${port}`, BATCHPROMPT_MODEL_DIR: directory };
    // No timer ever fires: a refused connection must fail by itself, neither after the connect
    // timeout nor after a retry's wait.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let error: Error;
    try {
      error = await failure(ensureHuggingFaceFile(file, { env }));
    } finally {
      vi.useRealTimers();
    }
    expect(InputError.isInstance(error)).toBe(true);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain('model-q4.gguf');
    expect(error.message).toContain(`\`${cachedModelPath(file, directory)}\``);
    expect(error.message).toContain('--model');
    expect(existsSync(cachedModelPath(file, directory))).toBe(false);
  });

  it('gives up on a server that never answers after connectTimeoutMs instead of hanging', async () => {
    let reached: () => void = () => {};
    const requestReached = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const endpoint = await serve(() => reached()); // accepts, never responds
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let settled = false;
      const result = failure(
        ensureHuggingFaceFile(file, {
          env: { HF_ENDPOINT: endpoint, BATCHPROMPT_MODEL_DIR: directory },
          connectTimeoutMs: 300,
        }),
      ).finally(() => {
        settled = true;
      });
      await requestReached;
      // The 300 ms given, not the 10 s default: still waiting 1 ms before, given up at it.
      await vi.advanceTimersByTimeAsync(299);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect((await result).message).toContain('no answer within 0.3 s');
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects a body shorter than its content-length and leaves no file behind', async () => {
    const endpoint = await serve((_url, response) => {
      response.writeHead(200, { 'content-length': String(content.length) });
      response.write(content.subarray(0, 1000));
      response.destroy();
    });
    const error = await failure(
      ensureHuggingFaceFile(file, { env: { HF_ENDPOINT: endpoint, BATCHPROMPT_MODEL_DIR: directory } }),
    );
    expect(InputError.isInstance(error)).toBe(true);
    expect(existsSync(cachedModelPath(file, directory))).toBe(false);
    expect(existsSync(`${cachedModelPath(file, directory)}.part`)).toBe(false);
  });

  it('checks a pinned SHA-256 and reports an HTTP error status', async () => {
    const endpoint = await serve(serveContent(content));
    const wrong = await failure(
      ensureHuggingFaceFile(file, {
        env: { HF_ENDPOINT: endpoint, BATCHPROMPT_MODEL_DIR: directory },
        expectedSha256: '0'.repeat(64),
      }),
    );
    expect(wrong.message).toContain(`has SHA-256 ${contentSha256}, expected ${'0'.repeat(64)}`);
    expect(existsSync(cachedModelPath(file, directory))).toBe(false);

    server?.close();
    const missingEndpoint = await serve((_url, response) => {
      response.writeHead(404).end();
    });
    const missing = await failure(
      ensureHuggingFaceFile(file, {
        env: { HF_ENDPOINT: missingEndpoint, BATCHPROMPT_MODEL_DIR: directory },
      }),
    );
    expect(missing.message).toContain('HTTP 404');
  });
});

describe('model sources and folders', () => {
  it('parses local:hf: specs and plain paths', () => {
    expect(parseLocalModelSource('hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/sub/model.gguf')).toEqual({
      kind: 'hf',
      file: { owner: 'Qwen', repo: 'Qwen2.5-0.5B-Instruct-GGUF', file: 'sub/model.gguf' },
    });
    expect(parseLocalModelSource('./models/model.gguf')).toEqual({
      kind: 'file',
      path: './models/model.gguf',
    });
    expect(() => parseLocalModelSource('hf:Qwen/model.gguf')).toThrow('local:hf:<owner>/<repo>/<file.gguf>');
    expect(() => parseLocalModelSource('hf:a/b/../../etc/passwd')).toThrow('local:hf:');
  });

  it('keeps models in BATCHPROMPT_MODEL_DIR, else under XDG_CACHE_HOME, else ~/.cache', () => {
    expect(modelCacheDirectory({ BATCHPROMPT_MODEL_DIR: '/models' })).toBe('/models');
    expect(modelCacheDirectory({ XDG_CACHE_HOME: '/cache' })).toBe(join('/cache', 'batchprompt', 'models'));
    expect(modelCacheDirectory({})).toMatch(/\.cache[/\\]batchprompt[/\\]models$/);
  });
});
