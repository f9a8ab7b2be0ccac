/**
 * The part of node-llama-cpp's API that batchprompt uses, written out here so that neither the
 * type check nor the build needs the package: it is an optional peer dependency of 700 MB that
 * only users of local GGUF models install. The names and shapes follow node-llama-cpp 3.21.1.
 */

/** A token id of the model's vocabulary. */
export type Token = number & { readonly __token?: never };

export type ChatHistoryItem =
  | { type: 'system'; text: string }
  | { type: 'user'; text: string }
  | { type: 'model'; response: string[] };

export interface LlamaGrammar {
  readonly __grammar?: never;
}

export interface TokenMeterState {
  readonly usedInputTokens: number;
  readonly usedOutputTokens: number;
}

export interface LlamaContextSequence {
  compareContextTokens(tokens: Token[]): { firstDifferentIndex: number };
  readonly tokenMeter: {
    getState(): TokenMeterState;
    diff(state: TokenMeterState): TokenMeterState;
  };
}

export interface LlamaContext {
  readonly contextSize: number;
  getSequence(): LlamaContextSequence;
  dispose(): Promise<void>;
}

export interface LlamaTokenizer {
  readonly __tokenizer?: never;
}

export interface LlamaModel {
  readonly trainContextSize: number;
  readonly tokenizer: LlamaTokenizer;
  tokenize(text: string): Token[];
  createContext(options: { sequences: number; contextSize: number; threads: number }): Promise<LlamaContext>;
  dispose(): Promise<void>;
}

export interface Llama {
  readonly gpu: string | false;
  readonly cpuMathCores: number;
  loadModel(options: { modelPath: string }): Promise<LlamaModel>;
  createGrammarForJsonSchema(schema: object): Promise<LlamaGrammar>;
}

export interface ChatWrapper {
  readonly wrapperName: string;
  generateContextState(options: { chatHistory: ChatHistoryItem[] }): {
    contextText: { tokenize(tokenizer: LlamaTokenizer): Token[] };
  };
}

export interface GenerateResponseOptions {
  grammar?: LlamaGrammar;
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  repeatPenalty?: false;
  signal?: AbortSignal;
  stopOnAbortSignal?: boolean;
}

export interface LlamaChat {
  readonly chatWrapper: ChatWrapper;
  generateResponse(
    history: ChatHistoryItem[],
    options: GenerateResponseOptions,
  ): Promise<{ response: string; metadata: { stopReason: string } }>;
}

/** The node-llama-cpp module, as loaded on demand. */
export interface NodeLlamaCpp {
  getLlama(options: {
    gpu: 'auto' | false | 'cuda' | 'vulkan' | 'metal';
    build: 'never';
    logLevel: unknown;
  }): Promise<Llama>;
  LlamaLogLevel: { error: unknown };
  LlamaChat: new (options: { contextSequence: LlamaContextSequence }) => LlamaChat;
}

/**
 * The package's name, held in a variable: an `import()` of a string literal would make the type
 * check and the bundler look for the package itself.
 */
const packageName: string = 'node-llama-cpp';

/** Imports node-llama-cpp at run time (rejects with the module-not-found error when it is missing). */
export function importNodeLlamaCppModule(): Promise<NodeLlamaCpp> {
  return import(packageName) as Promise<NodeLlamaCpp>;
}
