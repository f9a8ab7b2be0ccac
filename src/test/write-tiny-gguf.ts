/**
 * Writes a tiny llama-architecture GGUF model with random weights, so that tests and benchmarks can
 * load a real model file through node-llama-cpp without downloading any weights.
 *
 * The vocabulary is GPT-2 style byte-level BPE: one token per byte (any text tokenizes), a few merges,
 * and the ChatML control tokens, with a ChatML chat template, so node-llama-cpp formats chats the way
 * it does for Qwen models. The weights are random: the model writes nonsense, but a grammar still
 * forces its replies into a shape, and its speed is that of a real forward pass.
 *
 * Format reference: the GGUF specification (version 3): header, key-value metadata, tensor infos,
 * then tensor data, each tensor aligned to `general.alignment` bytes.
 */
import { writeFile } from 'node:fs/promises';
import { seededRandom } from '../engine/seeded-random.js';

export interface TinyGgufOptions {
  /** Width of the residual stream. @default 64 */
  embeddingLength?: number;
  /** Transformer blocks. @default 2 */
  blockCount?: number;
  /** Attention heads; `embeddingLength` must divide by it. @default 4 */
  headCount?: number;
  /** Key-value heads (grouped-query attention); `headCount` must divide by it. @default 2 */
  headCountKv?: number;
  /** Hidden width of the feed-forward block. @default 4 * embeddingLength */
  feedForwardLength?: number;
  /** The context length the model claims it was trained on, in tokens. @default 8192 */
  contextLength?: number;
  /** Seed of the random weights. @default 1 */
  seed?: number;
}

export interface TinyGgufInfo {
  path: string;
  bytes: number;
  vocabularySize: number;
  parameterCount: number;
}

const ggufMagic = 0x46554747; // "GGUF" read as a little-endian uint32
const ggufVersion = 3;
const alignment = 32;

// Value type codes of GGUF metadata.
const valueType = { uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9 } as const;
// Tensor element type code: 32-bit float (keeps the writer free of quantisation code).
const tensorTypeF32 = 0;
// llama.cpp token types.
const tokenTypeNormal = 1;
const tokenTypeControl = 3;

type MetadataValue =
  | { type: 'uint32'; value: number }
  | { type: 'float32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'int32[]'; value: readonly number[] };

interface TensorSpec {
  name: string;
  /** GGUF dimension order: the first dimension is the contiguous one (the row length). */
  dimensions: readonly number[];
  fill: (random: () => number, index: number) => number;
}

/** The special tokens, appended after the byte tokens and merged tokens. */
export const tinyGgufSpecialTokens = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;

const chatMlTemplate =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** A few merges of common pairs, so the tokenizer does real BPE work and a word can be one token. */
const mergePairs: readonly [string, string][] = [
  ['Ġ', 't'],
  ['Ġ', 'a'],
  ['h', 'e'],
  ['i', 'n'],
  ['r', 'e'],
  ['o', 'n'],
  ['e', 'r'],
  ['a', 'n'],
];

/**
 * GPT-2's reversible map from bytes to printable characters: printable Latin-1 bytes stand for
 * themselves, the rest are moved to code points from 256 up, so every byte is one visible character.
 */
function byteLevelAlphabet(): string[] {
  const printable = (byte: number) =>
    (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
  const alphabet: string[] = [];
  let shifted = 0;
  for (let byte = 0; byte < 256; byte++) {
    alphabet.push(String.fromCodePoint(printable(byte) ? byte : 256 + shifted++));
  }
  return alphabet;
}

function vocabulary(): { tokens: string[]; tokenTypes: number[]; merges: string[] } {
  const tokens = byteLevelAlphabet();
  const merges: string[] = [];
  for (const [left, right] of mergePairs) {
    merges.push(`${left} ${right}`);
    tokens.push(left + right);
  }
  const tokenTypes = tokens.map(() => tokenTypeNormal);
  for (const special of tinyGgufSpecialTokens) {
    tokens.push(special);
    tokenTypes.push(tokenTypeControl);
  }
  return { tokens, tokenTypes, merges };
}

class ByteWriter {
  private chunks: Uint8Array[] = [];
  length = 0;

  private push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** `value` in `size` bytes, little-endian, as `write` puts it into a DataView. */
  private fixed(size: number, write: (view: DataView) => void): void {
    const chunk = new Uint8Array(size);
    write(new DataView(chunk.buffer));
    this.push(chunk);
  }

  uint32(value: number): void {
    this.fixed(4, (view) => view.setUint32(0, value, true));
  }

  int32(value: number): void {
    this.fixed(4, (view) => view.setInt32(0, value, true));
  }

  uint64(value: number): void {
    this.fixed(8, (view) => view.setBigUint64(0, BigInt(value), true));
  }

  float32(value: number): void {
    this.fixed(4, (view) => view.setFloat32(0, value, true));
  }

  string(value: string): void {
    const bytes = new TextEncoder().encode(value);
    this.uint64(bytes.length);
    this.push(bytes);
  }

  bytes(chunk: Uint8Array): void {
    this.push(chunk);
  }

  padTo(multiple: number): void {
    const padding = (multiple - (this.length % multiple)) % multiple;
    if (padding > 0) this.push(new Uint8Array(padding));
  }

  toBytes(): Uint8Array {
    const result = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      result.set(chunk, offset);
      offset += chunk.length;
    }
    return result;
  }
}

/** A metadata value: its type code, then the value (an array: element type, count, elements). */
function writeMetadataValue(writer: ByteWriter, entry: MetadataValue): void {
  const array = <T>(elementType: number, values: readonly T[], writeOne: (value: T) => void) => {
    writer.uint32(valueType.array);
    writer.uint32(elementType);
    writer.uint64(values.length);
    for (const value of values) writeOne(value);
  };
  if (entry.type === 'string[]') array(valueType.string, entry.value, (value) => writer.string(value));
  else if (entry.type === 'int32[]') array(valueType.int32, entry.value, (value) => writer.int32(value));
  else writer.uint32(valueType[entry.type]);
  if (entry.type === 'uint32') writer.uint32(entry.value);
  else if (entry.type === 'float32') writer.float32(entry.value);
  else if (entry.type === 'bool') writer.bytes(Uint8Array.of(entry.value ? 1 : 0));
  else if (entry.type === 'string') writer.string(entry.value);
}

interface ResolvedTinyGgufOptions {
  embeddingLength: number;
  blockCount: number;
  headCount: number;
  headCountKv: number;
  feedForwardLength: number;
  contextLength: number;
  seed: number;
}

function resolveOptions(options: TinyGgufOptions): ResolvedTinyGgufOptions {
  const embeddingLength = options.embeddingLength ?? 64;
  const resolved = {
    embeddingLength,
    blockCount: options.blockCount ?? 2,
    headCount: options.headCount ?? 4,
    headCountKv: options.headCountKv ?? 2,
    feedForwardLength: options.feedForwardLength ?? 4 * embeddingLength,
    contextLength: options.contextLength ?? 8192,
    seed: options.seed ?? 1,
  };
  if (resolved.embeddingLength % resolved.headCount !== 0) {
    throw new RangeError(
      `Expected \`embeddingLength\` (${resolved.embeddingLength}) to be a multiple of \`headCount\` (${resolved.headCount})`,
    );
  }
  if (resolved.headCount % resolved.headCountKv !== 0) {
    throw new RangeError(
      `Expected \`headCount\` (${resolved.headCount}) to be a multiple of \`headCountKv\` (${resolved.headCountKv})`,
    );
  }
  return resolved;
}

function tensorSpecs(options: ResolvedTinyGgufOptions, vocabularySize: number): TensorSpec[] {
  const width = options.embeddingLength;
  const keyValueWidth = (width / options.headCount) * options.headCountKv;
  const ones = () => 1;
  // Small random weights, scaled by 1/sqrt(fan-in) so activations neither vanish nor explode.
  const randomScaled =
    (fanIn: number) =>
    (random: () => number): number =>
      ((random() * 2 - 1) * Math.sqrt(3)) / Math.sqrt(fanIn);
  const specs: TensorSpec[] = [
    { name: 'token_embd.weight', dimensions: [width, vocabularySize], fill: randomScaled(1) },
    { name: 'output_norm.weight', dimensions: [width], fill: ones },
    { name: 'output.weight', dimensions: [width, vocabularySize], fill: randomScaled(width) },
  ];
  for (let block = 0; block < options.blockCount; block++) {
    const prefix = `blk.${block}`;
    specs.push(
      { name: `${prefix}.attn_norm.weight`, dimensions: [width], fill: ones },
      { name: `${prefix}.attn_q.weight`, dimensions: [width, width], fill: randomScaled(width) },
      { name: `${prefix}.attn_k.weight`, dimensions: [width, keyValueWidth], fill: randomScaled(width) },
      { name: `${prefix}.attn_v.weight`, dimensions: [width, keyValueWidth], fill: randomScaled(width) },
      { name: `${prefix}.attn_output.weight`, dimensions: [width, width], fill: randomScaled(width) },
      { name: `${prefix}.ffn_norm.weight`, dimensions: [width], fill: ones },
      {
        name: `${prefix}.ffn_gate.weight`,
        dimensions: [width, options.feedForwardLength],
        fill: randomScaled(width),
      },
      {
        name: `${prefix}.ffn_up.weight`,
        dimensions: [width, options.feedForwardLength],
        fill: randomScaled(width),
      },
      {
        name: `${prefix}.ffn_down.weight`,
        dimensions: [options.feedForwardLength, width],
        fill: randomScaled(options.feedForwardLength),
      },
    );
  }
  return specs;
}

/** The bytes of a tiny GGUF model; see {@link writeTinyGguf}. */
export function buildTinyGguf(options: TinyGgufOptions = {}): {
  bytes: Uint8Array;
  vocabularySize: number;
  parameterCount: number;
} {
  const resolved = resolveOptions(options);
  const { tokens, tokenTypes, merges } = vocabulary();
  const endOfTurn = tokens.indexOf('<|im_end|>');
  const endOfText = tokens.indexOf('<|endoftext|>');
  const metadata: [string, MetadataValue][] = [
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: 'batchprompt tiny random llama' }],
    ['general.alignment', { type: 'uint32', value: alignment }],
    ['llama.context_length', { type: 'uint32', value: resolved.contextLength }],
    ['llama.embedding_length', { type: 'uint32', value: resolved.embeddingLength }],
    ['llama.block_count', { type: 'uint32', value: resolved.blockCount }],
    ['llama.feed_forward_length', { type: 'uint32', value: resolved.feedForwardLength }],
    ['llama.attention.head_count', { type: 'uint32', value: resolved.headCount }],
    ['llama.attention.head_count_kv', { type: 'uint32', value: resolved.headCountKv }],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'float32', value: 1e-5 }],
    ['llama.rope.freq_base', { type: 'float32', value: 10_000 }],
    ['llama.rope.dimension_count', { type: 'uint32', value: resolved.embeddingLength / resolved.headCount }],
    ['llama.vocab_size', { type: 'uint32', value: tokens.length }],
    ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: 'string', value: 'gpt-2' }],
    ['tokenizer.ggml.tokens', { type: 'string[]', value: tokens }],
    ['tokenizer.ggml.token_type', { type: 'int32[]', value: tokenTypes }],
    ['tokenizer.ggml.merges', { type: 'string[]', value: merges }],
    ['tokenizer.ggml.bos_token_id', { type: 'uint32', value: endOfText }],
    ['tokenizer.ggml.eos_token_id', { type: 'uint32', value: endOfTurn }],
    ['tokenizer.ggml.padding_token_id', { type: 'uint32', value: endOfText }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }],
    ['tokenizer.chat_template', { type: 'string', value: chatMlTemplate }],
  ];
  const tensors = tensorSpecs(resolved, tokens.length);

  const writer = new ByteWriter();
  writer.uint32(ggufMagic);
  writer.uint32(ggufVersion);
  writer.uint64(tensors.length);
  writer.uint64(metadata.length);
  for (const [key, value] of metadata) {
    writer.string(key);
    writeMetadataValue(writer, value);
  }
  let dataOffset = 0;
  let parameterCount = 0;
  const alignedSize = (bytes: number) => Math.ceil(bytes / alignment) * alignment;
  for (const tensor of tensors) {
    const elements = tensor.dimensions.reduce((product, dimension) => product * dimension, 1);
    writer.string(tensor.name);
    writer.uint32(tensor.dimensions.length);
    for (const dimension of tensor.dimensions) writer.uint64(dimension);
    writer.uint32(tensorTypeF32);
    writer.uint64(dataOffset);
    dataOffset += alignedSize(elements * 4);
    parameterCount += elements;
  }
  writer.padTo(alignment);

  const random = seededRandom(resolved.seed);
  for (const tensor of tensors) {
    const elements = tensor.dimensions.reduce((product, dimension) => product * dimension, 1);
    const values = new Float32Array(elements);
    for (let index = 0; index < elements; index++) values[index] = tensor.fill(random, index);
    writer.bytes(new Uint8Array(values.buffer));
    writer.padTo(alignment);
  }
  return { bytes: writer.toBytes(), vocabularySize: tokens.length, parameterCount };
}

/**
 * Writes a tiny random llama model to `path` (any existing file is replaced). With the defaults it
 * is about 0.4 MB and evaluates thousands of tokens per second on one CPU core.
 */
export async function writeTinyGguf(path: string, options: TinyGgufOptions = {}): Promise<TinyGgufInfo> {
  const { bytes, vocabularySize, parameterCount } = buildTinyGguf(options);
  await writeFile(path, bytes);
  return { path, bytes: bytes.length, vocabularySize, parameterCount };
}
