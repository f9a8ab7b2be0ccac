import type { Redis } from 'ioredis';
import { delay } from '../runtime/delay.js';
import type { ChatModel, GenerateRequest } from '../spec/chat-model.js';
import { countMessageTokens } from '../spec/count-tokens.js';
import { wrapChatModel } from '../spec/wrap-chat-model.js';

/**
 * One tokens-per-minute budget for every worker of a queue, kept in Redis: a sliding window
 * estimated from two fixed one-minute counters (the previous minute's weighted by how much of it
 * still overlaps the window), read and debited in one script, on Redis's clock (the workers'
 * clocks may disagree). Returns 0 when the cost was debited, else how long to wait. A request
 * bigger than the whole budget passes when nothing else was spent in the window, so it is not
 * held forever.
 */
const reserveScript = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local window = 60000
local index = math.floor(nowMs / window)
local currentKey = KEYS[1] .. ':' .. index
local current = tonumber(redis.call('GET', currentKey) or '0')
local previous = tonumber(redis.call('GET', KEYS[1] .. ':' .. (index - 1)) or '0')
local elapsed = nowMs - index * window
local spent = previous * (window - elapsed) / window + current
local limit = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
if spent + cost <= limit or spent <= 0 then
  redis.call('INCRBY', currentKey, cost)
  redis.call('PEXPIRE', currentKey, 2 * window + 1000)
  return 0
end
if current + cost > limit or previous <= 0 then
  return window - elapsed + 10
end
local untilMs = window - (limit - current - cost) * window / previous
return math.max(10, math.ceil(untilMs - elapsed))
`;

/** Adds a correction (the reply's real tokens less the estimate) to the current minute. */
const correctScript = `
local now = redis.call('TIME')
local index = math.floor((tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)) / 60000)
local key = KEYS[1] .. ':' .. index
redis.call('INCRBY', key, ARGV[1])
redis.call('PEXPIRE', key, 121000)
return 0
`;

export interface SharedTokenLimiterOptions {
  client: Redis;
  /** The Redis key the counters hang from, one per queue. */
  key: string;
  tokensPerMinute: number;
  /** Told each time a call waits for the budget. */
  onWait?: (waitMs: number) => void;
}

/**
 * Wraps the model where each attempt is sent (beneath the scheduler): an attempt first debits its
 * estimated tokens (input counted, output at its cap) from the shared budget, waiting as long as
 * Redis says, and corrects the debit with the reply's usage.
 */
export function limitSharedTokens(model: ChatModel, options: SharedTokenLimiterOptions): ChatModel {
  const { client, key, tokensPerMinute } = options;
  return wrapChatModel(model, {
    generate: async (request, next) => {
      const estimate = estimateTokens(request);
      for (;;) {
        const waitMs = Number(await client.eval(reserveScript, 1, key, tokensPerMinute, estimate));
        if (waitMs <= 0) break;
        options.onWait?.(waitMs);
        await delay(waitMs, request.signal);
      }
      const result = await next(request);
      const spent = result.usage.inputTokens + result.usage.outputTokens;
      if (spent !== estimate) await client.eval(correctScript, 1, key, spent - estimate);
      return result;
    },
  });
}

function estimateTokens(request: GenerateRequest): number {
  return countMessageTokens(request.messages) + (request.maxOutputTokens ?? 256);
}
