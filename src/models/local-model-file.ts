import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AbortError, InputError } from '../spec/errors.js';

/** A GGUF file in a Hugging Face repository: `local:hf:<owner>/<repo>/<file.gguf>`. */
export interface HuggingFaceFile {
  owner: string;
  repo: string;
  /** Path inside the repository, e.g. `qwen2.5-0.5b-instruct-q4_k_m.gguf`. */
  file: string;
}

/** What follows `local:` in a model URI. */
export type LocalModelSource = { kind: 'file'; path: string } | { kind: 'hf'; file: HuggingFaceFile };

export function parseLocalModelSource(spec: string): LocalModelSource {
  if (!spec.startsWith('hf:')) return { kind: 'file', path: spec };
  const parts = spec.slice('hf:'.length).split('/');
  const [owner, repo, ...rest] = parts;
  const file = rest.join('/');
  if (!owner || !repo || !file || parts.some((part) => part === '' || part === '..' || part === '.')) {
    throw new InputError(
      `Expected \`local:hf:<owner>/<repo>/<file.gguf>\`, e.g. \`local:hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf\`, got \`local:${spec}\``,
      { field: 'model' },
    );
  }
  return { kind: 'hf', file: { owner, repo, file } };
}

/**
 * Where downloaded models live: `BATCHPROMPT_MODEL_DIR`, else `$XDG_CACHE_HOME/batchprompt/models`,
 * else `~/.cache/batchprompt/models`.
 */
export function modelCacheDirectory(env: Record<string, string | undefined> = process.env): string {
  const explicit = env.BATCHPROMPT_MODEL_DIR?.trim();
  if (explicit) return explicit;
  const cacheHome = env.XDG_CACHE_HOME?.trim() || join(homedir(), '.cache');
  return join(cacheHome, 'batchprompt', 'models');
}

/** The path a Hugging Face file is kept at in the cache folder: `<dir>/<owner>/<repo>/<file>`. */
export function cachedModelPath(file: HuggingFaceFile, cacheDirectory: string): string {
  return join(cacheDirectory, file.owner, file.repo, ...file.file.split('/'));
}

export interface DownloadProgress {
  file: string;
  receivedBytes: number;
  /** From the `content-length` header; undefined when the server sends none. */
  totalBytes: number | undefined;
}

export interface EnsureModelFileOptions {
  /** @default {@link modelCacheDirectory} of `env` */
  cacheDirectory?: string;
  /** Read for `BATCHPROMPT_MODEL_DIR`, `XDG_CACHE_HOME` and `HF_ENDPOINT`. @default process.env */
  env?: Record<string, string | undefined>;
  /** @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
  /**
   * Time allowed until the server answers with headers; a closed network fails within it instead of
   * hanging. @default 10_000 (ms)
   */
  connectTimeoutMs?: number;
  /** Longest pause allowed between two chunks of the body. @default 30_000 (ms) */
  idleTimeoutMs?: number;
  /** The file's known SHA-256 (hex); checked after download and on every later use. */
  expectedSha256?: string;
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
}

const defaultEndpoint = 'https://huggingface.co';

export function huggingFaceUrl(file: HuggingFaceFile, env: Record<string, string | undefined>): string {
  const endpoint = (env.HF_ENDPOINT?.trim() || defaultEndpoint).replace(/\/+$/, '');
  const filePath = file.file.split('/').map(encodeURIComponent).join('/');
  return `${endpoint}/${encodeURIComponent(file.owner)}/${encodeURIComponent(file.repo)}/resolve/main/${filePath}`;
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** The `.sha256` file beside a model, in `sha256sum` format so `sha256sum -c` can check it too. */
function checksumPath(modelPath: string): string {
  return `${modelPath}.sha256`;
}

async function readRecordedChecksum(modelPath: string): Promise<string | undefined> {
  const text = await readFile(checksumPath(modelPath), 'utf8').catch(() => undefined);
  return text?.trim().split(/\s+/)[0]?.toLowerCase();
}

async function recordChecksum(modelPath: string, sha256: string): Promise<void> {
  await writeFile(checksumPath(modelPath), `${sha256}  ${basename(modelPath)}\n`);
}

function missingFileHelp(modelPath: string): string {
  return `Without network access, put the file at \`${modelPath}\` yourself (or set BATCHPROMPT_MODEL_DIR to a folder that holds <owner>/<repo>/<file>), or pick another model with --model: \`local:<path/to/model.gguf>\`, \`ollama:<model>\`, \`openai:<model>\`, or \`sim\` (simulated)`;
}

/**
 * The path of a Hugging Face GGUF file in the cache folder, downloaded on first use (to a `.part`
 * file, renamed only when complete). The SHA-256 is computed while the bytes arrive: checked
 * against `expectedSha256` where given, and recorded beside the file (`<file>.sha256`), against
 * which the file is checked again on every later use, so a truncated or corrupted file is never
 * loaded. A file put in place by hand is accepted and its checksum recorded on first use. Where the
 * network is closed, fails within `connectTimeoutMs` with an `InputError` saying where to put the file.
 */
export async function ensureHuggingFaceFile(
  file: HuggingFaceFile,
  options: EnsureModelFileOptions = {},
): Promise<string> {
  const env = options.env ?? process.env;
  const modelPath = cachedModelPath(file, options.cacheDirectory ?? modelCacheDirectory(env));
  const expected = options.expectedSha256?.toLowerCase();
  if (
    await stat(modelPath).then(
      (found) => found.isFile(),
      () => false,
    )
  ) {
    const actual = await sha256OfFile(modelPath);
    const recorded = await readRecordedChecksum(modelPath);
    const reference = expected ?? recorded;
    if (reference !== undefined && actual !== reference) {
      throw new InputError(
        `The model file \`${modelPath}\` has SHA-256 ${actual}, expected ${reference}: it is corrupt or was replaced; delete it (and \`${checksumPath(modelPath)}\`) to download it again`,
        { field: 'model' },
      );
    }
    if (recorded === undefined) await recordChecksum(modelPath, actual);
    return modelPath;
  }
  await download(file, modelPath, env, expected, options);
  return modelPath;
}

async function download(
  file: HuggingFaceFile,
  modelPath: string,
  env: Record<string, string | undefined>,
  expected: string | undefined,
  options: EnsureModelFileOptions,
): Promise<void> {
  const url = huggingFaceUrl(file, env);
  const fetchFile = options.fetch ?? globalThis.fetch;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const fail = (reason: string, cause?: unknown): never => {
    throw new InputError(
      `The model file \`${file.file}\` is not in the cache and could not be downloaded from ${url} (${reason}). ${missingFileHelp(modelPath)}`,
      { field: 'model', cause },
    );
  };

  // One controller stops both the connection and the body: on the caller's abort, on no headers
  // within the connect timeout, or on a stalled body.
  const controller = new AbortController();
  let timeoutReason: string | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const armTimer = (ms: number, reason: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timeoutReason = reason;
      controller.abort(new Error(reason));
    }, ms);
  };
  const onCallerAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const partPath = `${modelPath}.part`;
  try {
    if (options.signal?.aborted) throw new AbortError(undefined, { cause: options.signal.reason });
    armTimer(connectTimeoutMs, `no answer within ${connectTimeoutMs / 1000} s`);
    let response: Response;
    try {
      response = await fetchFile(url, { signal: controller.signal, redirect: 'follow' });
    } catch (error) {
      if (options.signal?.aborted) throw new AbortError(undefined, { cause: options.signal.reason });
      return fail(timeoutReason ?? describeNetworkError(error), error);
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel().catch(() => {});
      return fail(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
    }
    const lengthHeader = response.headers.get('content-length');
    const totalBytes = lengthHeader === null ? undefined : Number(lengthHeader);

    await mkdir(dirname(modelPath), { recursive: true });
    const hash = createHash('sha256');
    let receivedBytes = 0;
    const report = () => options.onProgress?.({ file: file.file, receivedBytes, totalBytes });
    armTimer(idleTimeoutMs, `the download stalled for ${idleTimeoutMs / 1000} s`);
    report();
    try {
      await pipeline(
        Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>),
        async function* (chunks: AsyncIterable<Uint8Array>) {
          for await (const chunk of chunks) {
            armTimer(idleTimeoutMs, `the download stalled for ${idleTimeoutMs / 1000} s`);
            hash.update(chunk);
            receivedBytes += chunk.length;
            report();
            yield chunk;
          }
        },
        createWriteStream(partPath),
      );
    } catch (error) {
      if (options.signal?.aborted) throw new AbortError(undefined, { cause: options.signal.reason });
      return fail(timeoutReason ?? `the download broke off: ${describeNetworkError(error)}`, error);
    }
    clearTimeout(timer);
    if (totalBytes !== undefined && Number.isFinite(totalBytes) && receivedBytes !== totalBytes) {
      return fail(`received ${receivedBytes} bytes, the server announced ${totalBytes}`);
    }
    const actual = hash.digest('hex');
    if (expected !== undefined && actual !== expected) {
      return fail(`the downloaded file has SHA-256 ${actual}, expected ${expected}`);
    }
    await rename(partPath, modelPath);
    await recordChecksum(modelPath, actual);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onCallerAbort);
    await rm(partPath, { force: true });
  }
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.message}: ${code}` : `${error.message}: ${cause.message}`;
  }
  return error.message;
}
