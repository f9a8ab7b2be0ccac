import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../spec/errors.js';
import { importNodeLlamaCppModule, type Llama, type NodeLlamaCpp } from './node-llama-cpp-api.js';

export type { Llama, NodeLlamaCpp } from './node-llama-cpp-api.js';

/** Where node-llama-cpp runs the model: `'auto'` takes a GPU where it finds one, else the CPU. */
export type LocalGpu = 'auto' | false | 'cuda' | 'vulkan' | 'metal';

/** The version this package is tested with; newer ones may need another install of prebuilt binaries. */
export const nodeLlamaCppVersion = '3.21.1';
export const nodeLlamaCppInstallCommand = `npm install node-llama-cpp@${nodeLlamaCppVersion}`;

/** Where batchprompt is installed, which decides how node-llama-cpp is installed beside it. */
export type BatchpromptInstall =
  /** A clone of the repository: `scripts/install-local-model.sh` installs the pinned version. */
  | { kind: 'checkout'; root: string }
  /** A dependency of the user's own project: `npm install` in that project. */
  | { kind: 'project'; project: string }
  /** `npm install --global`: a global install beside it. */
  | { kind: 'global'; prefix: string };

/**
 * How batchprompt at `packageRoot` was installed, read from the folders around it: a checkout
 * has `scripts/install-local-model.sh` (the package leaves scripts/ out); a global install sits
 * in `<prefix>/lib/node_modules` with the command in `<prefix>/bin` (`<prefix>/node_modules` and
 * `<prefix>/batchprompt.cmd` on Windows); anything else in `node_modules` is a project's.
 */
export function locateInstall(
  packageRoot: string,
  exists: (path: string) => boolean = existsSync,
): BatchpromptInstall {
  if (exists(join(packageRoot, 'scripts', 'install-local-model.sh')))
    return { kind: 'checkout', root: packageRoot };
  const modules = dirname(packageRoot);
  if (basename(modules) !== 'node_modules') return { kind: 'project', project: packageRoot };
  const above = dirname(modules);
  if (basename(above) === 'lib' && exists(join(dirname(above), 'bin', 'batchprompt'))) {
    return { kind: 'global', prefix: dirname(above) };
  }
  if (exists(join(above, 'batchprompt.cmd'))) return { kind: 'global', prefix: above };
  return { kind: 'project', project: above };
}

/** The folder of batchprompt's own package.json, found upwards from this module (src/ or dist/). */
export function batchpromptPackageRoot(from: string = fileURLToPath(import.meta.url)): string | undefined {
  for (let directory = dirname(from); ; directory = dirname(directory)) {
    try {
      const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as {
        name?: unknown;
      };
      if (manifest.name === 'batchprompt') return directory;
    } catch {
      // No package.json here, or not one we can read: look further up.
    }
    if (dirname(directory) === directory) return undefined;
  }
}

/** How this copy of batchprompt was installed; undefined where its package.json cannot be found. */
export function batchpromptInstall(): BatchpromptInstall | undefined {
  const root = batchpromptPackageRoot();
  return root === undefined ? undefined : locateInstall(root);
}

/**
 * The command that installs node-llama-cpp where batchprompt is, from the folder `cwd`, and
 * where that is, in words.
 */
export function nodeLlamaCppInstallAdvice(
  install: BatchpromptInstall | undefined,
  cwd: string = process.cwd(),
): { command: string; place: string } {
  const inFolder = (folder: string, command: string) =>
    resolve(cwd) === resolve(folder) ? command : `cd ${folder} && ${command}`;
  switch (install?.kind) {
    case 'checkout':
      return {
        command: inFolder(install.root, 'bash scripts/install-local-model.sh'),
        place: `this checkout of batchprompt (${install.root})`,
      };
    case 'global': {
      const defaultPrefix = dirname(dirname(process.execPath));
      const prefix = resolve(install.prefix) === resolve(defaultPrefix) ? '' : ` --prefix ${install.prefix}`;
      return {
        command: `npm install --global${prefix} node-llama-cpp@${nodeLlamaCppVersion}`,
        place: `the global install of batchprompt (${install.prefix})`,
      };
    }
    case 'project':
      return {
        command: inFolder(install.project, nodeLlamaCppInstallCommand),
        place: `your project ${install.project}, which depends on batchprompt`,
      };
    default:
      return { command: nodeLlamaCppInstallCommand, place: 'the project that uses batchprompt' };
  }
}

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
      const advice = nodeLlamaCppInstallAdvice(batchpromptInstall());
      throw new InputError(
        `Local GGUF models need the optional package node-llama-cpp (about 700 MB), which is not installed: run \`${advice.command}\` (in ${advice.place})`,
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
