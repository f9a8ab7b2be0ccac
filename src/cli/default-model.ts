import cliProgress from 'cli-progress';
import { defaultLocalModelDescription, defaultLocalModelPath } from '../models/default-local-model.js';
import {
  type BatchpromptInstall,
  batchpromptInstall,
  importNodeLlamaCpp,
  nodeLlamaCppInstallAdvice,
} from '../models/local-model-bindings.js';
import {
  type DownloadProgress,
  ensureHuggingFaceFile,
  parseLocalModelSource,
} from '../models/local-model-file.js';
import { parseModelUri } from '../providers/model-uri.js';
import { providerTable } from '../providers/provider-table.js';
import { InputError } from '../spec/errors.js';

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * Download progress on stderr: a bar on a terminal, a line every 10% (or 50 MB without a size)
 * elsewhere, so CI logs stay short.
 */
export function createDownloadProgress(
  stream: NodeJS.WriteStream = process.stderr,
): ((progress: DownloadProgress) => void) & { stop(): void } {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream, format: '{file} {bar} {percentage}% | {received} of {total}', hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    const report = (progress: DownloadProgress) => {
      const payload = {
        file: progress.file,
        received: megabytes(progress.receivedBytes),
        total: progress.totalBytes === undefined ? '?' : megabytes(progress.totalBytes),
      };
      if (!started) {
        bar.start(progress.totalBytes ?? 0, progress.receivedBytes, payload);
        started = true;
      } else bar.update(progress.receivedBytes, payload);
    };
    return Object.assign(report, { stop: () => (started ? bar.stop() : undefined) });
  }
  let nextReport = 0;
  const report = (progress: DownloadProgress) => {
    if (progress.receivedBytes < nextReport) return;
    const step = progress.totalBytes === undefined ? 50e6 : progress.totalBytes / 10;
    nextReport = progress.receivedBytes + step;
    const total = progress.totalBytes === undefined ? '' : ` of ${megabytes(progress.totalBytes)}`;
    stream.write(`downloading ${progress.file}: ${megabytes(progress.receivedBytes)}${total}\n`);
  };
  return Object.assign(report, { stop: () => {} });
}

/**
 * What `run` without `--model` says when the default local model cannot run: which model it chose,
 * what that needs and the command that installs it where batchprompt is (a checkout, the user's
 * project, a global install), and the models that need no install.
 */
export function defaultModelUnavailable(
  uri: string,
  env: Record<string, string | undefined> | undefined,
  cause: unknown,
  install: BatchpromptInstall | undefined = batchpromptInstall(),
): InputError {
  const advice = nodeLlamaCppInstallAdvice(install);
  return new InputError(
    [
      `no --model given, so run uses its default: the local model ${defaultLocalModelDescription.replace(/\)$/, `; ${uri})`)}, downloaded on first use into ${defaultLocalModelPath(env)}.`,
      `Local models need the optional package node-llama-cpp (about 700 MB), which is not installed. To install it in ${advice.place}:`,
      `  ${advice.command}`,
      'Or give a model that needs no install:',
      '  --model sim                   the simulated model: offline, no key; it answers from the gold labels of the data (for trying batchprompt, not for answers)',
      `  --model openai:gpt-4.1-mini   with OPENAI_API_KEY set; likewise ${providerAlternatives()}`,
    ].join('\n'),
    { field: 'model', cause },
  );
}

/** The API providers other than OpenAI, each with what it needs: `anthropic:<model> (ANTHROPIC_API_KEY)`. */
function providerAlternatives(): string {
  return providerTable
    .filter((provider) => provider.endpoint !== undefined && provider.prefix !== 'openai')
    .map((provider) => {
      const key = provider.apiKey?.required ? provider.apiKey.variable : undefined;
      const needs =
        key !== undefined
          ? ` (${key})`
          : provider.endpoint?.defaultUrl === undefined
            ? ' with --base-url'
            : '';
      return `${provider.prefix}:<model>${needs}`;
    })
    .join(', ');
}

/**
 * Gets a `local:hf:` model file ready before a run starts: checks for node-llama-cpp (rather than
 * download half a gigabyte it could not run), then downloads the file into the model cache with a
 * progress bar, so that a closed network fails here, within seconds, with the path to put the file
 * at, and not item by item. Other URIs pass through untouched. `run` without `--model` uses the
 * default local model (`defaultLocalModelUri`).
 */
export async function prepareLocalModel(
  uri: string,
  options: {
    quiet: boolean;
    isDefault: boolean;
    env?: Record<string, string | undefined>;
    signal?: AbortSignal;
  },
): Promise<void> {
  const parsed = parseModelUri(uri);
  if (parsed.provider !== 'local') return;
  const source = parseLocalModelSource(parsed.model);
  if (source.kind !== 'hf') return;
  if (options.isDefault) {
    await importNodeLlamaCpp().catch((error: unknown) => {
      throw InputError.isInstance(error) ? defaultModelUnavailable(uri, options.env, error) : error;
    });
  } else await importNodeLlamaCpp();
  if (options.isDefault && !options.quiet) {
    process.stderr.write(
      `no --model given: using the local model ${defaultLocalModelDescription} (${uri})\n`,
    );
  }
  const progress = options.quiet ? undefined : createDownloadProgress();
  try {
    await ensureHuggingFaceFile(source.file, {
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(progress === undefined ? {} : { onProgress: progress }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } finally {
    progress?.stop();
  }
}
