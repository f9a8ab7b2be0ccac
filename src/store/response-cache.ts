import type Database from 'better-sqlite3';
import type { FinishReason, Usage } from '../spec/chat-model.js';
import { assertNoSecrets } from './assert-no-secrets.js';
import { type ChecksummedReply, replyChecksum } from './reply-checksum.js';

/** What the cache keeps of a reply. Headers and everything else a transport returns stay out. */
export interface CachedReply {
  text: string;
  usage: Usage;
  finishReason: FinishReason;
}

interface ResponseRow extends ChecksummedReply {
  checksum: string | null;
}

/** A lookup: the reply, none, or one whose checksum does not match what is stored (damaged). */
export type CacheLookup = { status: 'hit'; reply: CachedReply } | { status: 'miss' } | { status: 'damaged' };

/**
 * Replies by cache key (see `cacheKey`). Each `put` is its own autocommit statement, so by the time
 * it returns the reply is in the WAL and survives a kill of the process.
 */
export class ResponseCache {
  readonly #select: Database.Statement<[string], ResponseRow>;
  readonly #delete: Database.Statement<[string]>;
  readonly #upsert: Database.Statement<[Record<string, unknown>]>;
  readonly #count: Database.Statement<[], { count: number }>;
  readonly #now: () => Date;

  constructor(database: Database.Database, now: () => Date = () => new Date()) {
    this.#now = now;
    this.#select = database.prepare(
      `SELECT key, text, input_tokens, output_tokens, cached_input_tokens, estimated, finish_reason, checksum
       FROM responses WHERE key = ?`,
    );
    this.#delete = database.prepare('DELETE FROM responses WHERE key = ?');
    // Replace rather than ignore: two processes racing on one request both paid, and either reply
    // is a valid answer to it.
    this.#upsert = database.prepare(
      `INSERT OR REPLACE INTO responses
         (key, model_id, text, input_tokens, output_tokens, cached_input_tokens, estimated, finish_reason, created_at, checksum)
       VALUES
         (@key, @modelId, @text, @inputTokens, @outputTokens, @cachedInputTokens, @estimated, @finishReason, @createdAt, @checksum)`,
    );
    this.#count = database.prepare('SELECT count(*) AS count FROM responses');
  }

  /** The reply under `key`, or `undefined` when there is none or it is damaged (see `lookup`). */
  get(key: string): CachedReply | undefined {
    const found = this.lookup(key);
    return found.status === 'hit' ? found.reply : undefined;
  }

  /**
   * The reply under `key`, checked against its checksum. A damaged entry is deleted, so that the
   * reply asked again takes its place, and reported as `damaged` for the caller to count and say.
   * A row without a checksum (only a store damaged in that very column has one) is damaged too.
   */
  lookup(key: string): CacheLookup {
    const row = this.#select.get(key);
    if (row === undefined) return { status: 'miss' };
    if (row.checksum !== replyChecksum(row)) {
      this.#delete.run(key);
      return { status: 'damaged' };
    }
    const usage: Usage = { inputTokens: row.input_tokens, outputTokens: row.output_tokens };
    if (row.cached_input_tokens !== null) usage.cachedInputTokens = row.cached_input_tokens;
    if (row.estimated !== null) usage.estimated = row.estimated === 1;
    return {
      status: 'hit',
      reply: { text: row.text, usage, finishReason: row.finish_reason as FinishReason },
    };
  }

  /**
   * Stores a reply. Only `text`, the usage figures and `finishReason` are read from `value`, so a
   * whole `GenerateResult` (headers and all) can be passed without its headers reaching the disk.
   */
  put(key: string, value: CachedReply, source: { modelId: string }): void {
    assertNoSecrets(source.modelId, 'modelId');
    const stored: ChecksummedReply = {
      key,
      text: value.text,
      input_tokens: value.usage.inputTokens,
      output_tokens: value.usage.outputTokens,
      cached_input_tokens: value.usage.cachedInputTokens ?? null,
      estimated: value.usage.estimated === undefined ? null : value.usage.estimated ? 1 : 0,
      finish_reason: value.finishReason,
    };
    this.#upsert.run({
      key,
      modelId: source.modelId,
      text: stored.text,
      inputTokens: stored.input_tokens,
      outputTokens: stored.output_tokens,
      cachedInputTokens: stored.cached_input_tokens,
      estimated: stored.estimated,
      finishReason: stored.finish_reason,
      createdAt: this.#now().toISOString(),
      checksum: replyChecksum(stored),
    });
  }

  /** Number of stored replies. */
  size(): number {
    return this.#count.get()!.count;
  }
}
