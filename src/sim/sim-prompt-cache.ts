import { createHash } from 'node:crypto';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import type { ChatMessage } from '../spec/chat-model.js';
import { asPlainText } from '../spec/count-tokens.js';

/*
 * The providers' prompt caches, as the simulator's server emulates them, so that cached-token
 * usage can be tested and measured over HTTP. Tokens are counted as the simulator counts every
 * prompt (o200k, three framing tokens per message), so a cached count is a part of the prompt
 * tokens the same reply reports.
 *
 * OpenAI (automatic): a request reads the longest prefix of its prompt that an earlier request
 * of the same model sent, from 1,024 tokens on and in 128-token steps; an entry lives 5 minutes
 * past its last use.
 *
 * Anthropic (explicit): a request reads the longest prefix, ending at a message boundary at most
 * 20 messages before its last `cache_control` mark, that an earlier request wrote; the tokens from
 * there to its last mark are written (once the marked prefix reaches the minimum, 1,024 tokens
 * here), each mark an entry of its own with its TTL (5 minutes, or 1 hour), refreshed by a read.
 * A mark counts at the end of the message holding it (batchprompt marks a whole message).
 *
 * Entries become readable when the request that wrote them has its reply, not when it arrives: two
 * requests in flight together both miss, as with the providers.
 */

/** A `cache_control` mark: the message whose end it marks, and how long its entry lives. */
export interface CacheBreakpoint {
  message: number;
  ttlMs: number;
}

export type CacheStyle = { kind: 'automatic' } | { kind: 'marked'; breakpoints: readonly CacheBreakpoint[] };

/** What a request reads from and writes to the cache, and how to record it once replied. */
export interface CacheUse {
  readTokens: number;
  writeTokens: number;
  /** Makes the request's entries readable: call it when its reply is sent. */
  commit(): void;
}

export interface SimPromptCacheOptions {
  /** @default Date.now */
  now?: () => number;
  /** Shortest prefix cached, in tokens. @default 1024 */
  minTokens?: number;
}

const openAiStep = 128;
const openAiIdleMs = 5 * 60 * 1000;
const tokensPerMessage = 3;
const lookbackMessages = 20;
const sweepAbove = 100_000;

function digest(previous: string, part: string): string {
  return createHash('sha256').update(previous).update('\u0000').update(part).digest('hex');
}

/** A request's prompt as token ids, framing included (a role marker per framing token). */
function promptTokens(messages: readonly ChatMessage[]): string[] {
  const tokens: string[] = [];
  for (const message of messages) {
    for (let index = 0; index < tokensPerMessage; index += 1) tokens.push(`<${message.role}>`);
    for (const id of encode(message.content, asPlainText)) tokens.push(String(id));
  }
  return tokens;
}

export function createSimPromptCache(options: SimPromptCacheOptions = {}) {
  const now = options.now ?? Date.now;
  const minTokens = options.minTokens ?? 1024;
  /** Entry key (model and prefix digest) to the time it expires. */
  const entries = new Map<string, number>();
  /** How long each entry lives past its last use. */
  const lifetimes = new Map<string, number>();

  function live(key: string): boolean {
    const expiresAt = entries.get(key);
    if (expiresAt === undefined) return false;
    if (expiresAt > now()) return true;
    entries.delete(key);
    lifetimes.delete(key);
    return false;
  }

  function touch(key: string, lifetimeMs: number): void {
    const lifetime = Math.max(lifetimeMs, lifetimes.get(key) ?? 0);
    lifetimes.set(key, lifetime);
    entries.set(key, now() + lifetime);
    // A long run adds a few entries per request that no other reads: let the expired ones go.
    if (entries.size > sweepAbove) {
      for (const entry of [...entries.keys()]) live(entry);
    }
  }

  /** OpenAI: every 128-token boundary from the minimum on is a prefix that can be read. */
  function automatic(model: string, messages: readonly ChatMessage[]): CacheUse {
    const tokens = promptTokens(messages);
    const keys: { tokens: number; key: string }[] = [];
    let chain = model;
    for (let end = openAiStep; end <= tokens.length; end += openAiStep) {
      chain = digest(chain, tokens.slice(end - openAiStep, end).join(','));
      if (end >= minTokens) keys.push({ tokens: end, key: chain });
    }
    const hit = keys.findLast(({ key }) => live(key));
    if (hit !== undefined) touch(hit.key, openAiIdleMs);
    return {
      readTokens: hit?.tokens ?? 0,
      writeTokens: 0,
      commit: () => {
        for (const { key } of keys) touch(key, openAiIdleMs);
      },
    };
  }

  /** Anthropic: entries at the marked message ends only; reads looked up at message ends. */
  function marked(
    model: string,
    messages: readonly ChatMessage[],
    breakpoints: readonly CacheBreakpoint[],
  ): CacheUse {
    const ends: { tokens: number; key: string }[] = [];
    let chain = model;
    let count = 0;
    for (const message of messages) {
      chain = digest(chain, `${message.role}\n${message.content}`);
      count += tokensPerMessage + encode(message.content, asPlainText).length;
      ends.push({ tokens: count, key: chain });
    }
    const marks = breakpoints.filter((mark) => mark.message >= 0 && mark.message < ends.length);
    const last = Math.max(-1, ...marks.map((mark) => mark.message));
    if (last < 0) return { readTokens: 0, writeTokens: 0, commit: () => {} };
    let read: { tokens: number; key: string } | undefined;
    for (let index = last; index >= Math.max(0, last - lookbackMessages); index -= 1) {
      const end = ends[index]!;
      if (end.tokens >= minTokens && live(end.key)) {
        read = end;
        break;
      }
    }
    if (read !== undefined) touch(read.key, lifetimes.get(read.key) ?? 0);
    const marked = ends[last]!.tokens;
    const writeTokens = marked >= minTokens ? marked - (read?.tokens ?? 0) : 0;
    return {
      readTokens: read?.tokens ?? 0,
      writeTokens,
      commit: () => {
        for (const mark of marks) {
          const end = ends[mark.message]!;
          if (end.tokens >= minTokens) touch(end.key, mark.ttlMs);
        }
      },
    };
  }

  return {
    /** What a request of `model` reads from and writes to this cache. */
    use(model: string, messages: readonly ChatMessage[], style: CacheStyle): CacheUse {
      return style.kind === 'automatic'
        ? automatic(model, messages)
        : marked(model, messages, style.breakpoints);
    },
  };
}

export type SimPromptCache = ReturnType<typeof createSimPromptCache>;
