import { createHash } from 'node:crypto';
import path from 'node:path';
import { canonicalJson } from './canonical-json.js';

export interface RunFingerprintInput {
  /** The task definition as resolved (a built-in name is not enough if task files can change). */
  task: unknown;
  /**
   * The data file as found on disk. Size and modification time stand in for its content, so a
   * changed file starts a new run instead of resuming one over different rows.
   */
  dataFile: { path: string; size: number; modifiedMs: number };
  modelId: string;
  /** Strategy options as resolved: batch size, rounds, voting, early stop, format, seed... */
  strategy: unknown;
}

/**
 * Hash (sha256, hex) that names a command: the same task, data file, model and strategy give the
 * same fingerprint, which `findLatestRun` uses to resume a killed run. Options that do not change
 * the answers (concurrency, rate limits, output path) should be left out by the caller, so that
 * resuming with, say, a lower `--rpm` still finds the run.
 */
export function runFingerprint({ task, dataFile, modelId, strategy }: RunFingerprintInput): string {
  const canonical = canonicalJson({
    task,
    // Resolved so that `data.jsonl` and `./data.jsonl` from the same directory agree.
    dataFile: { path: path.resolve(dataFile.path), size: dataFile.size, modifiedMs: dataFile.modifiedMs },
    modelId,
    strategy,
  });
  return createHash('sha256').update(canonical).digest('hex');
}
