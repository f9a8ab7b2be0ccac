import { existsSync } from 'node:fs';
import { InputError } from '../spec/errors.js';
import { createLocalModel, type LocalChatModel, type LocalModelOptions } from './local-model.js';
import type { LocalGpu } from './local-model-bindings.js';
import {
  type DownloadProgress,
  type EnsureModelFileOptions,
  ensureHuggingFaceFile,
  parseLocalModelSource,
} from './local-model-file.js';

/** Settings of a `local:` model besides its file. */
export interface LocalModelSettings extends Omit<LocalModelOptions, 'modelPath' | 'id'> {
  /** Download settings for `local:hf:` files (cache folder, timeouts, checksum). */
  download?: Omit<EnsureModelFileOptions, 'env' | 'fetch' | 'onProgress'>;
  onDownloadProgress?: (progress: DownloadProgress) => void;
}

const gpuValues: Record<string, LocalGpu> = {
  auto: 'auto',
  cpu: false,
  false: false,
  cuda: 'cuda',
  vulkan: 'vulkan',
  metal: 'metal',
};

function integerFromEnv(env: Record<string, string | undefined>, name: string): number | undefined {
  const text = env[name]?.trim();
  if (!text) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new InputError(`Expected ${name} to be an integer >= 1, got \`${text}\``, { field: name });
  }
  return value;
}

/**
 * Local-model settings from the environment, for the command line: BATCHPROMPT_LOCAL_GPU
 * (auto | cpu | cuda | vulkan | metal), BATCHPROMPT_LOCAL_THREADS, BATCHPROMPT_LOCAL_SEQUENCES
 * (parallel sequences) and BATCHPROMPT_LOCAL_CONTEXT (tokens per sequence).
 */
export function settingsFromEnv(env: Record<string, string | undefined>): LocalModelSettings {
  const settings: LocalModelSettings = {};
  const gpuText = env.BATCHPROMPT_LOCAL_GPU?.trim().toLowerCase();
  if (gpuText) {
    const gpu = gpuValues[gpuText];
    if (gpu === undefined) {
      throw new InputError(
        `Expected BATCHPROMPT_LOCAL_GPU to be one of ${Object.keys(gpuValues).join(', ')}, got \`${gpuText}\``,
        { field: 'BATCHPROMPT_LOCAL_GPU' },
      );
    }
    settings.gpu = gpu;
  }
  const threads = integerFromEnv(env, 'BATCHPROMPT_LOCAL_THREADS');
  if (threads !== undefined) settings.threads = threads;
  const parallelSequences = integerFromEnv(env, 'BATCHPROMPT_LOCAL_SEQUENCES');
  if (parallelSequences !== undefined) settings.parallelSequences = parallelSequences;
  const contextSize = integerFromEnv(env, 'BATCHPROMPT_LOCAL_CONTEXT');
  if (contextSize !== undefined) settings.contextSize = contextSize;
  return settings;
}

/**
 * The model of a `local:<file.gguf>` or `local:hf:<owner>/<repo>/<file.gguf>` URI. A missing local
 * file fails here, before any call; a Hugging Face file is downloaded into the model cache on first
 * use (see `ensureHuggingFaceFile`). Explicit `settings` win over the environment's.
 */
export function createLocalModelFromUri(
  spec: string,
  uri: string,
  settings: LocalModelSettings = {},
  environment: { env?: Record<string, string | undefined>; fetch?: typeof globalThis.fetch } = {},
): LocalChatModel {
  const { download, onDownloadProgress, ...explicitSettings } = settings;
  const modelSettings = { ...settingsFromEnv(environment.env ?? process.env), ...explicitSettings };
  const source = parseLocalModelSource(spec);
  if (source.kind === 'file') {
    if (!existsSync(source.path)) {
      throw new InputError(
        `No GGUF model file at \`${source.path}\`: give the path of a .gguf file, or \`local:hf:<owner>/<repo>/<file.gguf>\` to download one`,
        { field: 'model' },
      );
    }
    return createLocalModel({ ...modelSettings, modelPath: source.path, id: uri });
  }
  return createLocalModel({
    ...modelSettings,
    id: uri,
    modelPath: () =>
      ensureHuggingFaceFile(source.file, {
        ...download,
        ...(environment.env === undefined ? {} : { env: environment.env }),
        ...(environment.fetch === undefined ? {} : { fetch: environment.fetch }),
        ...(onDownloadProgress === undefined ? {} : { onProgress: onDownloadProgress }),
      }),
  });
}
