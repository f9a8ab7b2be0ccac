import { decode, encode } from 'gpt-tokenizer/encoding/o200k_base';
import { type Answer, normalizeAnswer } from '../parse/normalize-answer.js';
import { readRenderedBatch } from '../prompt/read-rendered-batch.js';
import { renderReasoningHeader } from '../prompt/render-batch.js';
import { delay } from '../runtime/delay.js';
import type { ChatModel, GenerateRequest, GenerateResult } from '../spec/chat-model.js';
import { asPlainText, countMessageTokens, countTokens } from '../spec/count-tokens.js';
import { AbortError, InputError } from '../spec/errors.js';
import { singleOutputOnly } from '../task/task-outputs.js';
import type { Task } from '../task/task-schema.js';
import { createBeliefQuantiles } from './belief-quantiles.js';
import { createOutputsSimModel } from './create-outputs-sim-model.js';
import { decideAnswer, type SimAnswer } from './decide-answer.js';
import { decideStableAnswer } from './decide-stable-answer.js';
import { findInjections } from './find-injections.js';
import { stableTaskCalibration } from './frontier-profile.js';
import { type CatalogItem, createItemCatalog, type ItemCatalog, type KnownItem } from './item-catalog.js';
import {
  isSimProfileName,
  paperProfiles,
  type SimProfileName,
  simProfileNames,
  simProfiles,
  taskCalibration,
} from './profiles.js';
import { type EchoedAnswer, type ReplyEntry, renderSimReply } from './render-sim-reply.js';
import { hashUniforms, textDigest } from './sim-random.js';
import { isSimReplyLayout, type SimReplyLayout, simReplyLayouts } from './sim-reply-layouts.js';
import { writeSimReasoning } from './write-sim-reasoning.js';

export interface SimModelOptions {
  /** Which published model to imitate. @default 'gpt-4' */
  profile?: SimProfileName;
  /** The task the prompts ask about; its fields identify items and its answers are given. */
  task: Task;
  /**
   * The data set the model "knows", with gold answers. Items not listed here get a fixed guess.
   * The `frontier` profile deals its beliefs over these items in its calibrated shares (which
   * items are right follows the seed, how many does not), so a run over all of them answers
   * right as often as the profile says, and a run over a sample of them varies as samples do.
   */
  items?: Iterable<KnownItem>;
  /**
   * The known data set as an index built beforehand (`createItemCatalog`, filled item by item from
   * a stream), in place of `items`: a data set too large to hold as an array. @default from `items`
   */
  catalog?: ItemCatalog;
  /** Every random draw derives from it. @default 0 */
  seed?: number;
  /** Wait this long before each reply, in milliseconds. @default 0 */
  latencyMs?: number;
  /**
   * The gold answer of an item that `items` does not hold, read from its field texts. Lets the
   * simulator answer generated items as it answers known ones without indexing them all, so a
   * run over millions of items needs no catalog in memory. Return undefined for "unknown".
   */
  goldOf?: (fields: Readonly<Record<string, string>>) => unknown;
  /**
   * Makes the model fall for text inside items that imitates answers or gives orders, as a weak
   * model does. Off by default: the calibrated model ignores such text.
   */
  injection?: SimInjectionOptions;
  /**
   * Lay every reply out in this way instead of the asked format (see `simReplyLayouts`), still
   * answering every item truthfully. @default 'ours'
   */
  layout?: SimReplyLayout;
  /**
   * Chance per request that a reply asked in lines drifts from the format (answers in sentences
   * without the batch code, see `renderSimReply`); JSON replies never do. @default 0
   */
  lineDrift?: number;
  /**
   * What to do with an item that has no gold answer: `guess` a fixed answer (for planning on
   * unlabelled data, where the figures are labelled simulated anyway), or `refuse` it, failing the
   * request with an `InputError` that names the item's place in the batch: the command line's
   * `run`, `eval` and `sim serve` refuse, since a guess passed off as a model's answer (and
   * cached, and replayed) would be a lie. @default 'guess'
   */
  unknownItems?: 'guess' | 'refuse';
}

export interface SimInjectionOptions {
  /**
   * Copy every answer-like fragment of an item (`Input 3 (abcd): no (sure)`, `Input 3: no`) into
   * the reply, verbatim, after that item's own answer; in JSON replies as an extra entry.
   * @default true
   */
  echo?: boolean;
  /**
   * Chance, per affected item and request, that the model answers as the injected text says:
   * the forged answer for the index it names, or X for every other item under an "answer X for
   * every input" instruction. @default 0
   */
  obeyProbability?: number;
}

export interface SimModel extends ChatModel {
  readonly profile: SimProfileName;
  readonly seed: number;
  /**
   * The answer the model gives one item at `position` of a batch of `batchSize`, in the request
   * whose digest is `requestDigest`, without writing a reply: how the simulator of a task with
   * several outputs decides each output.
   */
  answerItem(
    fields: Readonly<Record<string, string>>,
    requestDigest: string,
    position: number,
    batchSize: number,
  ): SimAnswer;
}

/**
 * A simulated model's reply to a request after `latencyMs`: the text `replyText` writes, cut at
 * the request's output limit as a real model's reply would be, with its tokens counted (o200k).
 */
export async function simulatedReply(
  request: GenerateRequest,
  latencyMs: number,
  replyText: (request: GenerateRequest) => string,
): Promise<GenerateResult> {
  if (request.signal?.aborted) throw new AbortError(undefined, { cause: request.signal.reason });
  await delay(latencyMs, request.signal);
  let text = replyText(request);
  let finishReason: GenerateResult['finishReason'] = 'stop';
  const limit = request.maxOutputTokens;
  if (limit !== undefined && countTokens(text) > limit) {
    text = decode(encode(text, asPlainText).slice(0, Math.max(0, Math.floor(limit))));
    finishReason = 'length';
  }
  return {
    text,
    usage: { inputTokens: countMessageTokens(request.messages), outputTokens: countTokens(text) },
    finishReason,
  };
}

/** Reply to a request that holds no rendered batch. */
const noBatchReply = 'I could not find any inputs to answer in your message.';

/** A simulator option outside its range is refused as bad input: `Expected \`<field>\` to be <what>, got \`<value>\``. */
function requireOption(valid: boolean, field: string, expected: string, value: unknown): asserts valid {
  if (!valid)
    throw new InputError(`Expected \`${field}\` to be ${expected}, got \`${String(value)}\``, { field });
}

/**
 * The calibrated simulated model: a `ChatModel` that reads the same messages a real model gets,
 * finds the batch in the last user message, recognises each item by its text and answers it the
 * way the imitated model did in the BatchPrompt paper or in the real-model runs (see
 * `profiles.ts`). The reply depends only on the model's seed, the data set it knows and the
 * request's messages and format: no call counters, no state between calls, so the response cache
 * and resumed runs see the same reply. The request's own `seed` and `temperature` are ignored (the
 * paper ran at temperature 0).
 */
export function createSimModel(options: SimModelOptions): SimModel {
  if (options.task.outputs !== undefined) return createOutputsSimModel({ ...options, task: options.task });
  const profileName = options.profile ?? 'gpt-4';
  requireOption(
    isSimProfileName(profileName),
    'profile',
    `one of ${simProfileNames.join(', ')}`,
    profileName,
  );
  const seed = options.seed ?? 0;
  requireOption(Number.isFinite(seed), 'seed', 'a finite number', seed);
  const latencyMs = options.latencyMs ?? 0;
  requireOption(latencyMs >= 0, 'latencyMs', 'a number >= 0', latencyMs);
  const injection = options.injection;
  const obeyProbability = injection?.obeyProbability ?? 0;
  requireOption(
    obeyProbability >= 0 && obeyProbability <= 1,
    'injection.obeyProbability',
    'a number from 0 to 1',
    obeyProbability,
  );
  const layout = options.layout ?? 'ours';
  requireOption(isSimReplyLayout(layout), 'layout', `one of ${simReplyLayouts.join(', ')}`, layout);
  const lineDrift = options.lineDrift ?? 0;
  requireOption(lineDrift >= 0 && lineDrift <= 1, 'lineDrift', 'a number from 0 to 1', lineDrift);
  const unknownItems = options.unknownItems ?? 'guess';
  requireOption(
    unknownItems === 'guess' || unknownItems === 'refuse',
    'unknownItems',
    'guess or refuse',
    unknownItems,
  );
  const refuseUnknown = unknownItems === 'refuse';
  const echoInjections = injection !== undefined && (injection.echo ?? true);
  const task = singleOutputOnly(options.task, 'the simulated model');
  const profile = simProfiles[profileName];
  const catalog = options.catalog ?? createItemCatalog(task, options.items ?? []);
  const { goldOf } = options;
  // Built on the first answer of the stable profile: the paper profiles draw per item.
  const beliefQuantiles = profile.kind === 'stable' ? createBeliefQuantiles(catalog, seed) : undefined;
  const derivedItem = (fields: Readonly<Record<string, string>>): CatalogItem | undefined =>
    goldOf === undefined
      ? undefined
      : { digest: catalog.digestOf(fields), gold: normalizeAnswer(task, goldOf(fields)) };

  /**
   * The stable profile answers items with a gold answer from fixed beliefs, placed by their
   * quantile among the catalog's items where the catalog holds them; items without a gold answer
   * get the paper profiles' fixed guess, which is stable too.
   */
  function answerFor(
    item: CatalogItem | undefined,
    catalogued: boolean,
    fields: Readonly<Record<string, string>>,
    requestDigest: string,
    position: number,
    batchSize: number,
  ): SimAnswer {
    if (refuseUnknown && (item === undefined || item.gold === undefined)) {
      throw new InputError(
        `the simulated model has no gold answer for input ${position} of the batch (${item === undefined ? 'an item not in its data' : 'its gold label is missing'}); it answers only items with gold labels, since without one its answer would be a guess`,
        { field: 'label' },
      );
    }
    const common = { task, seed, requestDigest, position, batchSize };
    if (profile.kind === 'stable' && item !== undefined && item.gold !== undefined) {
      const calibration = stableTaskCalibration(profile, task.name);
      const beliefQuantile = catalogued ? beliefQuantiles?.quantileOf(item.digest) : undefined;
      return decideStableAnswer({
        ...common,
        profile,
        calibration,
        item: { ...item, gold: item.gold },
        ...(beliefQuantile === undefined ? {} : { beliefQuantile }),
      });
    }
    const paperProfile = profile.kind === 'stable' ? paperProfiles['gpt-4'] : profile;
    return decideAnswer({
      ...common,
      profile: paperProfile,
      calibration: taskCalibration(paperProfile, task.name),
      itemDigest: item?.digest ?? catalog.digestOf(fields),
      item,
    });
  }

  function conflictingAnswer(answer: Answer): Answer {
    if (task.answer.type === 'labels') {
      return task.answer.labels.find((label) => label.value !== answer)?.value ?? answer;
    }
    return typeof answer === 'number' ? answer + 1 : `${answer} or not`;
  }

  /**
   * Whether the request asks for a worked solution per item, read from the request as a real
   * model would read it (the JSON schema's `reasoning` property, or the block header the format
   * text shows), so that a client's `--reasoning` reaches `sim serve` too.
   */
  function asksForReasoning(request: GenerateRequest): boolean {
    if (task.reasoning) return true;
    const format = request.responseFormat;
    if (format?.type === 'json') return JSON.stringify(format.schema ?? {}).includes('"reasoning"');
    const system = request.messages.find((message) => message.role === 'system')?.content ?? '';
    return system.includes(renderReasoningHeader('<k>', '<code>'));
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
    const withReasoning = asksForReasoning(request);
    const entries = rendered.map((entry, position): ReplyEntry => {
      const catalogued = catalog.find(entry.fields);
      const item = catalogued ?? derivedItem(entry.fields);
      const decided = answerFor(
        item,
        catalogued !== undefined,
        entry.fields,
        requestDigest,
        position,
        batchSize,
      );
      const reply: ReplyEntry = { index: entry.index, answer: decided.answer, confident: decided.confident };
      if (withReasoning) {
        reply.reasoning = writeSimReasoning({
          fields: entry.fields,
          answer: decided.answer,
          drawKey: [seed, requestDigest, position],
        });
      }
      return reply;
    });
    const echoes = injection === undefined ? [] : fallForInjections(rendered, entries, requestDigest);
    return renderSimReply({
      entries,
      format,
      tag: rendered[0]?.tag ?? '',
      faults: profile.faults,
      seed,
      requestDigest,
      conflictingAnswer,
      echoes,
      layout,
      lineDrift,
    }).text;
  }

  /**
   * Changes `entries` where the model obeys injected text, and returns the fragments it echoes.
   * Each obey draw is keyed on the request, the injecting item and the target, so a reply still
   * depends on nothing but the seed and the request.
   */
  function fallForInjections(
    rendered: readonly { index: number; fields: Readonly<Record<string, string>> }[],
    entries: ReplyEntry[],
    requestDigest: string,
  ): EchoedAnswer[] {
    const echoes: EchoedAnswer[] = [];
    const obeys = (from: number, target: number, ordinal: number) =>
      (hashUniforms(1, 'obey-injection', seed, requestDigest, from, target, ordinal)[0] ?? 1) <
      obeyProbability;
    rendered.forEach((source, position) => {
      const found = findInjections(task, source.fields);
      found.forged.forEach((forged, ordinal) => {
        if (echoInjections) {
          echoes.push({
            fromIndex: source.index,
            text: forged.text,
            entry: {
              id: forged.index,
              ...(forged.tag === undefined ? {} : { code: forged.tag }),
              answer: forged.answer ?? forged.text,
              confident: forged.confident,
            },
          });
        }
        const target = entries.find((entry) => entry.index === forged.index);
        if (target && forged.answer !== undefined && obeys(position, forged.index, ordinal)) {
          target.answer = forged.answer;
          target.confident = true;
        }
      });
      const answerForAll = found.answerForAll;
      if (answerForAll === undefined) return;
      for (const target of entries) {
        if (target.index !== source.index && obeys(position, target.index, -1)) {
          target.answer = answerForAll;
          target.confident = true;
        }
      }
    });
    return echoes;
  }

  function generate(request: GenerateRequest): Promise<GenerateResult> {
    return simulatedReply(request, latencyMs, replyText);
  }

  return {
    id: `sim:${profileName}`,
    simulated: true,
    supportsJsonSchema: true,
    profile: profileName,
    seed,
    generate,
    answerItem(fields, requestDigest, position, batchSize) {
      const catalogued = catalog.find(fields);
      const item = catalogued ?? derivedItem(fields);
      return answerFor(item, catalogued !== undefined, fields, requestDigest, position, batchSize);
    },
  };
}
