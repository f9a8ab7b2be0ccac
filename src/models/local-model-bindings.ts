import { InputError } from '../spec/errors.js';

import { importNodeLlamaCppModule, type Llama, type NodeLlamaCpp } from './node-llama-cpp-api.js';

export type { Llama, NodeLlamaCpp } from './node-llama-cpp-api.js';

/** Where node-llama-cpp runs the model: `'auto'` takes a GPU where it finds one, else the CPU. */
export type LocalGpu = 'auto' | false | 'cuda' | 'vulkan' | 'metal';

/** The version this package is tested with; newer ones may need another install of prebuilt binaries. */
export const nodeLlamaCppVersion = '3.21.1';
export const nodeLlamaCppInstallCommand = `npm install node-llama-cpp@${nodeLlamaCppVersion}`;

function isModuleNotFound(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/**
 * Imports node-llama-cpp on demand, so that installing batchprompt never pulls in a 700 MB native
 * dependency for users who only call APIs. A missing module becomes an `InputError` with the
 * install command.
 */
export async function importNodeLlamaCpp(
  importer: () => Promise<NodeLlamaCpp> = importNodeLlamaCppModule,
): Promise<NodeLlamaCpp> {
  try {
    return await importer();
  } catch (error) {
    if (isModuleNotFound(error)) {
      throw new InputError(
        `Local GGUF models need the optional package node-llama-cpp, which is not installed: run \`${nodeLlamaCppInstallCommand}\``,
        { field: 'model', cause: error },
      );
    }
    throw error;
  }
}

// One llama.cpp runtime per GPU setting and process: it loads the native library and probes the
// hardware once, and every model shares it.
const runtimes = new Map<string, Promise<Llama>>();

/** The shared llama.cpp runtime. Never builds llama.cpp from source or downloads anything. */
export function sharedLlama(bindings: NodeLlamaCpp, gpu: LocalGpu): Promise<Llama> {
  const key = String(gpu);
  let runtime = runtimes.get(key);
  if (runtime === undefined) {
    runtime = bindings
      .getLlama({
        gpu,
        // The prebuilt binaries ship as npm packages (@node-llama-cpp/*); building from source would
        // clone llama.cpp from GitHub, which hangs or fails where only the npm registry is reachable.
        build: 'never',
        logLevel: bindings.LlamaLogLevel.error,
      })
      .catch((error: unknown) => {
        runtimes.delete(key);
        throw new InputError(
          `node-llama-cpp found no working llama.cpp binary for \`gpu: ${key}\` on ${process.platform}-${process.arch}: reinstall it with \`${nodeLlamaCppInstallCommand}\` (its prebuilt binaries come as @node-llama-cpp/* packages)`,
          { field: 'model', cause: error },
        );
      });
    runtimes.set(key, runtime);
  }
  return runtime;
}
