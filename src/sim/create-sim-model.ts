import { decode, encode } from 'gpt-tokenizer/encoding/o200k_base';
import { AbortError, InputError } from '../errors.js';
import type { ChatModel, GenerateRequest, GenerateResult } from '../models/chat-model.js';
import type { Answer } from '../parse/normalize-answer.js';
import { countMessageTokens, countTokens } from '../prompt/count-tokens.js';
import { readRenderedBatch } from '../prompt/read-rendered-batch.js';
import { delay } from '../runtime/delay.js';
import type { Task } from '../task/task-schema.js';
import { decideAnswer } from './decide-answer.js';
import { createItemCatalog } from './item-catalog.js';
import {
  isSimProfileName,
  type SimProfileName,
  simProfileNames,
  simProfiles,
  taskCalibration,
} from './profiles.js';
import { renderSimReply } from './render-sim-reply.js';
import { textDigest } from './sim-random.js';

export interface SimModelOptions {
  /** Which published model to imitate. @default 'gpt-4' */
  profile?: SimProfileName;
  /** The task the prompts ask about; its fields identify items and its answers are given. */
  task: Task;
  /** The data set the model "knows", with gold answers. Items not listed here get a fixed guess. */
  items: Iterable<{ fields: Readonly<Record<string, string>>; gold?: unknown }>;
  /** Every random draw derives from it. @default 0 */
  seed?: number;
  /** Wait this long before each reply, in milliseconds. @default 0 */
  latencyMs?: number;
}

export interface SimModel extends ChatModel {
  readonly profile: SimProfileName;
  readonly seed: number;
}

/** Reply to a request that holds no rendered batch. */
const noBatchReply = 'I could not find any inputs to answer in your message.';

/**
 * The calibrated simulated model: a `ChatModel` that reads the same messages a real model gets,
 * finds the batch in the last user message, recognises each item by its text and answers it the
 * way the imitated model did in the BatchPrompt paper (see `profiles.ts`). The reply depends only
 * on the model's seed and the request's messages and format: no call counters, no state between
 * calls, so the response cache and resumed runs see the same reply. The request's own `seed` and
 * `temperature` are ignored (the paper ran at temperature 0).
 */
export function createSimModel(options: SimModelOptions): SimModel {
  const profileName = options.profile ?? 'gpt-4';
  if (!isSimProfileName(profileName)) {
    throw new InputError(
      `Expected \`profile\` to be one of ${simProfileNames.join(', ')}, got \`${String(profileName)}\``,
      { field: 'profile' },
    );
  }
  const seed = options.seed ?? 0;
  if (!Number.isFinite(seed)) {
    throw new InputError(`Expected \`seed\` to be a finite number, got \`${String(seed)}\``, {
      field: 'seed',
    });
  }
  const latencyMs = options.latencyMs ?? 0;
  if (!(latencyMs >= 0)) {
    throw new InputError(`Expected \`latencyMs\` to be a number >= 0, got \`${String(latencyMs)}\``, {
      field: 'latencyMs',
    });
  }
  const { task } = options;
  const profile = simProfiles[profileName];
  const calibration = taskCalibration(profile, task.name);
  const catalog = createItemCatalog(task, options.items);

  function conflictingAnswer(answer: Answer): Answer {
    if (task.answer.type === 'labels') {
      return task.answer.labels.find((label) => label.value !== answer)?.value ?? answer;
    }
    return typeof answer === 'number' ? answer + 1 : `${answer} or not`;
  }

  function replyText(request: GenerateRequest): string {
    const lastUser = request.messages.findLast((message) => message.role === 'user');
    const rendered = lastUser === undefined ? [] : readRenderedBatch(lastUser.content);
    if (rendered.length === 0) return noBatchReply;
    const format = request.responseFormat?.type === 'json' ? 'json' : 'lines';
    const requestDigest = textDigest(
      [format, ...request.messages.map((message) => `${message.role}\u0002${message.content}`)].join(
        '\u0001',
      ),
    );
    const batchSize = rendered.length;
    const entries = rendered.map((entry, position) => {
      const item = catalog.find(entry.fields);
      const decided = decideAnswer({
        task,
        profile,
        calibration,
        seed,
        requestDigest,
        position,
        batchSize,
        itemDigest: item?.digest ?? catalog.digestOf(entry.fields),
        item,
      });
      return { index: entry.index, answer: decided.answer, confident: decided.confident };
    });
    return renderSimReply({
      entries,
      format,
      tag: rendered[0]?.tag ?? '',
      faults: profile.faults,
      seed,
      requestDigest,
      conflictingAnswer,
    }).text;
  }

  async function generate(request: GenerateRequest): Promise<GenerateResult> {
    if (request.signal?.aborted) throw new AbortError(undefined, { cause: request.signal.reason });
    await delay(latencyMs, request.signal);
    let text = replyText(request);
    let finishReason: GenerateResult['finishReason'] = 'stop';
    const limit = request.maxOutputTokens;
    if (limit !== undefined && countTokens(text) > limit) {
      text = decode(encode(text).slice(0, Math.max(0, Math.floor(limit))));
      finishReason = 'length';
    }
    return {
      text,
      usage: { inputTokens: countMessageTokens(request.messages), outputTokens: countTokens(text) },
      finishReason,
    };
  }

  return {
    id: `sim:${profileName}`,
    simulated: true,
    supportsJsonSchema: true,
    profile: profileName,
    seed,
    generate,
  };
}
