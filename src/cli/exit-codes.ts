/** Exit codes of the command line, documented in the README. */
export const exitCodes = {
  ok: 0,
  /** The run finished but no item got an answer: no reply could be attributed. */
  incomplete: 1,
  /** Wrong command-line usage: unknown option, missing argument. */
  usage: 2,
  /**
   * Another live process holds this run or this results file (the message names its pid). Shares
   * its code with usage errors: the command as given cannot run now.
   */
  locked: 2,
  /**
   * Bad input: a data file, task file or option value (names the file, line and field), or a
   * model whose API key variable is not set (found before anything is sent).
   */
  input: 3,
  /** The model endpoint refused the run (401 for its key or the lack of one, no permission, unknown model, nothing listening), or every call failed. */
  provider: 4,
  /** The store cannot be read or written (disk full, read-only, damaged); the message names the path. */
  storage: 5,
  /** Stopped before a call could pass `--max-cost`; the same command with a higher budget continues. */
  budget: 6,
  /** `--detach`: batch jobs were submitted (or are still running); run the same command again to collect them. */
  detached: 75,
  /** An unexpected internal error. */
  internal: 70,
  /** Interrupted by Ctrl-C or SIGTERM; the run can be resumed. */
  interrupted: 130,
} as const;
