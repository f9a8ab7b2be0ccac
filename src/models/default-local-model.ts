/**
 * The model `run` uses when no `--model` is given: a small instruction-tuned GGUF that runs on a
 * laptop CPU, downloaded once into the model cache folder.
 *
 * Choice: Qwen2.5-0.5B-Instruct, quantised Q4_K_M, from the Qwen team's own GGUF repository.
 * - Licence: Apache-2.0 (use, modification and redistribution allowed, commercial use included).
 * - Size: about 0.5 GB on disk (the repository lists 491 MB for this file); about 0.6 GB of memory
 *   with the default 4 sequences of 8192 tokens.
 * - Speed (estimate, not measured here: this workplace cannot download it): llama.cpp runs a 0.5B
 *   Q4_K_M model at very roughly 150-500 prompt tokens/s and 20-60 generated tokens/s on 4 modern
 *   x86 cores, several times that on a GPU. A boolq batch of 8 items is ~1,500 prompt tokens and
 *   ~150 reply tokens, so expect a few seconds per call on a CPU.
 * - Why this one: among instruct models under 1 GB it follows a JSON format and English
 *   instructions best, its tokenizer is compact (fewer tokens per item than SmolLM2's), its chat
 *   template (ChatML) is recognised by node-llama-cpp, and the grammar guarantees the reply's shape
 *   anyway. Accuracy on real tasks is modest: pass `--model` with a larger model for real work.
 *
 * The file's SHA-256 is not pinned: it could not be checked from here, and a wrong pin would make
 * the default unusable. The download records the checksum of the bytes received (whose count must
 * match the server's `content-length`) in `<file>.sha256`, and every later use checks the file
 * against that record.
 */
import { cachedModelPath, type HuggingFaceFile, modelCacheDirectory } from './local-model-file.js';

export const defaultLocalModelFile: HuggingFaceFile = {
  owner: 'Qwen',
  repo: 'Qwen2.5-0.5B-Instruct-GGUF',
  file: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
};

export const defaultLocalModelUri = `local:hf:${defaultLocalModelFile.owner}/${defaultLocalModelFile.repo}/${defaultLocalModelFile.file}`;

export const defaultLocalModelDescription = 'Qwen2.5-0.5B-Instruct Q4_K_M (Apache-2.0, about 0.5 GB)';

/** Where the default model is (or will be) kept, for messages. */
export function defaultLocalModelPath(env: Record<string, string | undefined> = process.env): string {
  return cachedModelPath(defaultLocalModelFile, modelCacheDirectory(env));
}
