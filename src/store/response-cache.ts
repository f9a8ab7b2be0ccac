import type Database from 'better-sqlite3';
import type { FinishReason, Usage } from '../spec/chat-model.js';
import { assertNoSecrets } from './assert-no-secrets.js';

/** What the cache keeps of a reply. Headers and everything else a transport returns stay out. */
export interface CachedReply {
  text: string;
  usage: Usage;
  finishReason: FinishReason;
}

interface ResponseRow {
  text: string;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number | null;
  estimated: number | null;
  finish_reason: string;
}

/**
 * Replies by cache key (see `cacheKey`). Each `put` is its own autocommit statement, so by the time
 * it returns the reply is in the WAL and survives a kill of the process.
 */
export class ResponseCache {
  readonly #select: Database.Statement<[string], ResponseRow>;
  readonly #upsert: Database.Statement<[Record<string, unknown>]>;
  readonly #count: Database.Statement<[], { count: number }>;
  readonly #now: () => Date;

  constructor(database: Database.Database, now: () => Date = () => new Date()) {
    this.#now = now;
    this.#select = database.prepare(
      `SELECT text, input_tokens, output_tokens, cached_input_tokens, estimated, finish_reason
       FROM responses WHERE key = ?`,
    );
    // Replace rather than ignore: two processes racing on one request both paid, and either reply
    // is a valid answer to it.
    this.#upsert = database.prepare(
      `INSERT OR REPLACE INTO responses
         (key, model_id, text, input_tokens, output_tokens, cached_input_tokens, estimated, finish_reason, created_at)
       VALUES
         (@key, @modelId, @text, @inputTokens, @outputTokens, @cachedInputTokens, @estimated, @finishReason, @createdAt)`,
    );
    this.#count = database.prepare('SELECT count(*) AS count FROM responses');
  }

  get(key: string): CachedReply | undefined {
    const row = this.#select.get(key);
    if (row === undefined) return undefined;
    const usage: Usage = { inputTokens: row.input_tokens, outputTokens: row.output_tokens };
    if (row.cached_input_tokens !== null) usage.cachedInputTokens = row.cached_input_tokens;
    if (row.estimated !== null) usage.estimated = row.estimated === 1;
    return { text: row.text, usage, finishReason: row.finish_reason as FinishReason };
  }

  /**
   * Stores a reply. Only `text`, the usage figures and `finishReason` are read from `value`, so a
   * whole `GenerateResult` (headers and all) can be passed without its headers reaching the disk.
   */
  put(key: string, value: CachedReply, source: { modelId: string }): void {
    assertNoSecrets(source.modelId, 'modelId');
    this.#upsert.run({
      key,
      modelId: source.modelId,
      text: value.text,
      inputTokens: value.usage.inputTokens,
      outputTokens: value.usage.outputTokens,
      cachedInputTokens: value.usage.cachedInputTokens ?? null,
      estimated: value.usage.estimated === undefined ? null : value.usage.estimated ? 1 : 0,
      finishReason: value.finishReason,
      createdAt: this.#now().toISOString(),
    });
  }

  /** Number of stored replies. */
  size(): number {
    return this.#count.get()!.count;
  }
}
