import { setMaxListeners } from 'node:events';
import { stat } from 'node:fs/promises';
import type {
  ChatMessage,
  ChatModel,
  FinishReason,
  GenerateRequest,
  GenerateResult,
  JsonSchema,
} from '../spec/chat-model.js';
import { AbortError, BatchPromptError, InputError } from '../spec/errors.js';
import {
  importNodeLlamaCpp,
  type Llama,
  type LocalGpu,
  type NodeLlamaCpp,
  sharedLlama,
} from './local-model-bindings.js';
import { createSlotPool, type SlotPool } from './local-model-pool.js';
import { toGrammarJsonSchema } from './local-model-schema.js';
import type {
  ChatHistoryItem,
  LlamaChat,
  LlamaContext,
  LlamaContextSequence,
  LlamaGrammar,
  LlamaModel,
  Token,
} from './node-llama-cpp-api.js';

export interface LocalModelOptions {
  /**
   * The GGUF file, or a function that yields its path on first use (after a download, say): a
   * model is loaded on the first `generate`, not when it is created.
   */
  modelPath: string | (() => Promise<string>);
  /** The model URI reported in results. @default `local:<modelPath>` */
  id?: string;
  /** Where to run: `'auto'` takes a GPU where node-llama-cpp finds one, else the CPU. @default 'auto' */
  gpu?: LocalGpu;
  /**
   * Tokens each sequence holds: prompt plus reply of one call. Capped at the model's training
   * context. @default 8192
   */
  contextSize?: number;
  /**
   * Requests served at once, each on its own context sequence (its own KV cache). llama.cpp
   * evaluates the sequences of one context in shared batches, so several calls keep the cores busier
   * than one. @default 4
   */
  parallelSequences?: number;
  /**
   * CPU threads per evaluation. More threads than idle cores makes llama.cpp much slower (its
   * threads wait for each other), so lower this on a busy machine. @default node-llama-cpp's count
   * of math cores
   */
  threads?: number;
  /** Loads node-llama-cpp; injected by tests. @default `() => import('node-llama-cpp')` */
  importer?: () => Promise<NodeLlamaCpp>;
}

/** What was loaded, for logs and benchmarks. */
export interface LocalModelInfo {
  modelPath: string;
  gpu: string;
  contextSize: number;
  parallelSequences: number;
  threads: number;
  trainContextSize: number;
  chatWrapper: string;
}

/** A `ChatModel` that runs a GGUF file in this process; `dispose` frees its memory. */
export interface LocalChatModel extends ChatModel {
  /** Loads the model now rather than on the first `generate`. */
  load(): Promise<LocalModelInfo>;
  /** Sequences generating right now (0 before the model is loaded). */
  activeSequences(): number;
  /** Counts tokens with the model's own tokenizer. */
  countTokens(text: string): Promise<number>;
  dispose(): Promise<void>;
}

const defaultContextSize = 8192;
const defaultParallelSequences = 4;
const grammarCacheSize = 32;

interface Slot {
  sequence: LlamaContextSequence;
  chat: LlamaChat;
}

interface LoadedModel {
  info: LocalModelInfo;
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  pool: SlotPool<Slot, readonly Token[]>;
  grammars: Map<string, Promise<LlamaGrammar>>;
  promptTokens(history: readonly ChatHistoryItem[]): Token[];
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new InputError(`Expected \`${name}\` to be an integer >= 1, got \`${String(value)}\``, {
      field: name,
    });
  }
  return value;
}

/** Our chat messages as node-llama-cpp's chat history; the chat wrapper renders them in the model's template. */
function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  return messages.map((message): ChatHistoryItem => {
    if (message.role === 'system') return { type: 'system', text: message.content };
    if (message.role === 'user') return { type: 'user', text: message.content };
    return { type: 'model', response: [message.content] };
  });
}

function toFinishReason(stopReason: string): FinishReason {
  switch (stopReason) {
    case 'eogToken':
    case 'stopGenerationTrigger':
    case 'customStopTrigger':
      return 'stop';
    case 'maxTokens':
      return 'length';
    default:
      return 'other';
  }
}

/** Awaits `promise` unless `signal` aborts first (the work itself goes on; only the wait stops). */
async function untilAborted<Value>(promise: Promise<Value>, signal: AbortSignal | undefined): Promise<Value> {
  if (signal === undefined) return promise;
  if (signal.aborted) throw new AbortError(undefined, { cause: signal.reason });
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        onAbort = () => reject(new AbortError(undefined, { cause: signal.reason }));
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
  }
}

async function requireFile(path: string): Promise<void> {
  const found = await stat(path).catch(() => undefined);
  if (!found?.isFile()) {
    throw new InputError(
      `No GGUF model file at \`${path}\`: give the path of a .gguf file, e.g. \`local:./models/model.gguf\``,
      {
        field: 'model',
      },
    );
  }
}

/**
 * A GGUF model run in this process through node-llama-cpp (an optional peer dependency, imported
 * on first use). Structured replies are enforced by a grammar built from the request's JSON schema,
 * so they always parse; `parallelSequences` requests run at once, each on its own context sequence,
 * and a request goes to the free sequence whose cached tokens share the longest prefix with its
 * prompt (system message and worked examples are the same in every call, so they are evaluated
 * once per sequence, not once per call). Usage is counted by the model's own tokenizer:
 * `cachedInputTokens` are the prompt tokens taken from the KV cache rather than evaluated.
 */
export function createLocalModel(options: LocalModelOptions): LocalChatModel {
  const gpu = options.gpu ?? 'auto';
  const parallelSequences = positiveInteger(
    'parallelSequences',
    options.parallelSequences,
    defaultParallelSequences,
  );
  const requestedContextSize = positiveInteger('contextSize', options.contextSize, defaultContextSize);
  if (options.threads !== undefined) positiveInteger('threads', options.threads, 1);
  const id =
    options.id ?? (typeof options.modelPath === 'string' ? `local:${options.modelPath}` : 'local:model.gguf');
  let loading: Promise<LoadedModel> | undefined;
  let loadedModel: LoadedModel | undefined;
  let disposed = false;

  async function loadModel(): Promise<LoadedModel> {
    const bindings = await importNodeLlamaCpp(options.importer);
    const modelPath = typeof options.modelPath === 'string' ? options.modelPath : await options.modelPath();
    await requireFile(modelPath);
    const llama = await sharedLlama(bindings, gpu);
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath });
    } catch (error) {
      throw new InputError(
        `Could not load the GGUF model \`${modelPath}\`: ${error instanceof Error ? error.message : String(error)}`,
        { field: 'model', cause: error },
      );
    }
    const contextSize = Math.min(requestedContextSize, model.trainContextSize);
    const threads = options.threads ?? Math.max(1, llama.cpuMathCores);
    const context = await model.createContext({ sequences: parallelSequences, contextSize, threads });
    const slots: Slot[] = [];
    for (let index = 0; index < parallelSequences; index++) {
      const sequence = context.getSequence();
      slots.push({ sequence, chat: new bindings.LlamaChat({ contextSequence: sequence }) });
    }
    const chatWrapper = slots[0]!.chat.chatWrapper;
    const pool = createSlotPool<Slot, readonly Token[]>(
      slots,
      (slot, tokens) => slot.sequence.compareContextTokens([...tokens]).firstDifferentIndex,
    );
    return {
      info: {
        modelPath,
        gpu: String(llama.gpu),
        contextSize: context.contextSize,
        parallelSequences,
        threads,
        trainContextSize: model.trainContextSize,
        chatWrapper: chatWrapper.wrapperName,
      },
      llama,
      model,
      context,
      pool,
      grammars: new Map(),
      // The prompt as the chat wrapper renders it, ending with the opening of the model's turn:
      // the same tokens LlamaChat evaluates, so they measure the prompt and find the best sequence.
      promptTokens: (history) =>
        chatWrapper
          .generateContextState({ chatHistory: [...history, { type: 'model', response: [] }] })
          .contextText.tokenize(model.tokenizer),
    };
  }

  function load(): Promise<LoadedModel> {
    if (disposed) return Promise.reject(new BatchPromptError(`The local model \`${id}\` was disposed`));
    loading ??= loadModel().then((loaded) => {
      loadedModel = loaded;
      return loaded;
    });
    return loading;
  }

  function grammarFor(loaded: LoadedModel, schema: JsonSchema): Promise<LlamaGrammar> {
    const grammarSchema = toGrammarJsonSchema(schema);
    const key = JSON.stringify(grammarSchema);
    let grammar = loaded.grammars.get(key);
    if (grammar === undefined) {
      // The schema's shape was checked above; node-llama-cpp's precise schema type cannot be named
      // for a schema known only at run time.
      grammar = loaded.llama.createGrammarForJsonSchema(grammarSchema as never);
      grammar.catch(() => loaded.grammars.delete(key));
      loaded.grammars.set(key, grammar);
      if (loaded.grammars.size > grammarCacheSize) {
        const oldest = loaded.grammars.keys().next().value;
        if (oldest !== undefined) loaded.grammars.delete(oldest);
      }
    }
    return grammar;
  }

  async function generate(request: GenerateRequest): Promise<GenerateResult> {
    const callerSignal = request.signal;
    if (callerSignal?.aborted) throw new AbortError(undefined, { cause: callerSignal.reason });
    // node-llama-cpp adds several abort listeners per call; they go on a signal of our own, so the
    // caller's (often shared by a whole run) carries one listener per call, removed when it ends.
    const controller = new AbortController();
    setMaxListeners(64, controller.signal);
    const forwardAbort = () => controller.abort(callerSignal?.reason);
    callerSignal?.addEventListener('abort', forwardAbort, { once: true });
    try {
      return await generateOnSequence(request, controller.signal);
    } finally {
      callerSignal?.removeEventListener('abort', forwardAbort);
    }
  }

  async function generateOnSequence(request: GenerateRequest, signal: AbortSignal): Promise<GenerateResult> {
    const loaded = await untilAborted(load(), signal);
    const history = toChatHistory(request.messages);
    const promptTokens = loaded.promptTokens(history);
    const contextSize = loaded.info.contextSize;
    if (promptTokens.length >= contextSize) {
      throw new BatchPromptError(
        `The prompt has ${promptTokens.length} tokens, more than the ${contextSize}-token context of \`${id}\`: use smaller batches (--batch-size, --max-batch-tokens) or a larger \`contextSize\``,
      );
    }
    const responseFormat = request.responseFormat;
    const grammar =
      responseFormat?.type === 'json'
        ? await untilAborted(grammarFor(loaded, responseFormat.schema), signal)
        : undefined;
    const slot = await loaded.pool.acquire(promptTokens, signal);
    try {
      // The prompt tokens already in this sequence's KV cache; llama.cpp evaluates at least the
      // last prompt token again, to have logits to sample the first reply token from.
      const cachedInputTokens = Math.min(
        slot.sequence.compareContextTokens(promptTokens).firstDifferentIndex,
        promptTokens.length - 1,
      );
      const meterBefore = slot.sequence.tokenMeter.getState();
      const room = contextSize - promptTokens.length;
      const responding = slot.chat.generateResponse(history, {
        ...(grammar === undefined ? {} : { grammar }),
        maxTokens: Math.min(request.maxOutputTokens ?? room, room),
        temperature: request.temperature ?? 0,
        ...(request.seed === undefined ? {} : { seed: request.seed }),
        // Batch replies repeat themselves by design (the same keys and labels item after item); a
        // repeat penalty would push the model off the right label.
        repeatPenalty: false,
        signal,
        // Stop cleanly at the next token, leaving the sequence consistent for the next request;
        // the abort is reported below.
        stopOnAbortSignal: true,
      });
      // An abort while the prompt is still being evaluated (before the first token: a long
      // prompt, a busy machine) rejects with the signal's reason itself, not a clean stop.
      const response = await responding.catch((error: unknown) => {
        if (signal.aborted) throw new AbortError(undefined, { cause: signal.reason });
        throw error;
      });
      if (signal.aborted) throw new AbortError(undefined, { cause: signal.reason });
      const used = slot.sequence.tokenMeter.diff(meterBefore);
      return {
        text: response.response,
        usage: {
          inputTokens: promptTokens.length,
          outputTokens: used.usedOutputTokens,
          cachedInputTokens,
        },
        finishReason: toFinishReason(response.metadata.stopReason),
      };
    } finally {
      loaded.pool.release(slot);
    }
  }

  return {
    id,
    simulated: false,
    supportsJsonSchema: true,
    generate,
    load: async () => (await load()).info,
    activeSequences: () => loadedModel?.pool.busy ?? 0,
    countTokens: async (text) => (await load()).model.tokenize(text).length,
    async dispose() {
      const pending = loading;
      disposed = true;
      loading = undefined;
      loadedModel = undefined;
      if (pending === undefined) return;
      const loaded = await pending.catch(() => undefined);
      if (loaded === undefined) return;
      await loaded.context.dispose();
      await loaded.model.dispose();
    },
  };
}
