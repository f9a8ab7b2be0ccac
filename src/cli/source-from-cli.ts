import type { ResolvedStrategy } from '../engine/types.js';
import type { OutputFormat } from '../prompt/render-batch.js';
import { type SelectedSource, selectSource } from '../session/select-source.js';
import type { Task } from '../task/task-schema.js';
import { mappingFromCli } from './command-flags.js';
import type { CommandValues } from './command-options.js';

/**
 * The rows `run` and `eval` answer: the data file as the flags map it, cut to `--limit` or a
 * `--sample` (the same rows for both commands), scanned once before anything is paid for.
 */
export async function selectSourceFromCli(
  values: CommandValues,
  task: Task,
  strategy: ResolvedStrategy<OutputFormat | 'auto'>,
  options: {
    /** The gold column, where the command requires one (eval). */
    labelField?: string;
    /** What `--skip-invalid` would do with a bad row, for the message that refuses one. */
    skipInvalidHint: string;
  },
): Promise<SelectedSource> {
  const selected = await selectSource(
    {
      file: values.data,
      task,
      maxItemTokens: strategy.maxBatchTokens,
      ...mappingFromCli(values),
      ...(options.labelField === undefined ? {} : { labelField: options.labelField }),
    },
    {
      ...(values.limit === undefined ? {} : { limit: values.limit }),
      ...(values.sample === undefined ? {} : { sample: values.sample }),
      seed: strategy.seed,
      skipInvalid: values.skipInvalid === true,
      skipInvalidHint: options.skipInvalidHint,
    },
  );
  // A trial as large as the file is no trial: every row is answered, and paid for.
  const [flag, asked] = values.sample !== undefined ? ['--sample', values.sample] : ['--limit', values.limit];
  if (asked !== undefined && asked > selected.scan.rows) {
    process.stderr.write(
      `note: ${flag} ${asked} asks for more rows than the data file has (${selected.scan.rows}): every row is answered\n`,
    );
  }
  return selected;
}
