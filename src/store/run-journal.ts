import { randomBytes } from 'node:crypto';
import { BatchPromptError } from '../spec/errors.js';
import { assertNoSecrets } from './assert-no-secrets.js';
import { StoreTable } from './store-table.js';

export type RunStatus = 'running' | 'completed' | 'failed' | 'aborted';

export interface RunRecord {
  runId: string;
  /** Hash of the command's inputs (see `runFingerprint`): the same command finds the same runs. */
  fingerprint: string;
  status: RunStatus;
  /** The resolved settings of the run, as given to `startRun`. */
  config: unknown;
  /** Set by `finishRun`; `undefined` while the run is running or was killed. */
  summary: unknown;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601: start, resume or finish, whichever came last. */
  updatedAt: string;
}

export interface CallUsage {
  inputTokens: number;
  outputTokens: number;
  /** True when the reply came from the response cache and cost nothing. */
  cached: boolean;
}

/** Calls of one run, by what became of them. */
export interface CallCounts {
  /** Every call journaled, cached or not. */
  started: number;
  /** Calls with a reply, cached ones included. */
  finished: number;
  /** Finished calls answered from the response cache. */
  cached: number;
  /** Calls whose model call threw (after the runtime's own retries). */
  failed: number;
  /** Calls in flight when an earlier process of this run died; marked by `resumeRun`. */
  interrupted: number;
  /** Started and neither finished, failed nor interrupted: in flight now, or lost to a kill. */
  inFlight: number;
  /** Tokens of finished calls that were paid for (not cached). */
  paidInputTokens: number;
  paidOutputTokens: number;
}

export interface StoredResult {
  /** Position of the item in the data set; results load in this order. */
  index: number;
  id: string;
  result: unknown;
}

interface RunRow {
  run_id: string;
  fingerprint: string;
  status: RunStatus;
  config: string;
  summary: string | null;
  created_at: string;
  updated_at: string;
}

interface CallCountRow {
  started: number;
  finished: number | null;
  cached: number | null;
  failed: number | null;
  interrupted: number | null;
  paid_input_tokens: number | null;
  paid_output_tokens: number | null;
}

const runColumns = 'run_id, fingerprint, status, config, summary, created_at, updated_at';

/**
 * Runs, the model calls of each run and the finished per-item results. The journal holds hashes and
 * counts, never prompts or replies (those live in the response cache, by key).
 */
export class RunJournal extends StoreTable {
  readonly #statements = this.prepareStatements((database) => ({
    insertRun: database.prepare<[Record<string, unknown>]>(
      `INSERT INTO runs (run_id, fingerprint, status, config, summary, created_at, updated_at)
       VALUES (@runId, @fingerprint, 'running', @config, NULL, @now, @now)`,
    ),
    selectRun: database.prepare<[string], RunRow>(`SELECT ${runColumns} FROM runs WHERE run_id = ?`),
    // rowid breaks ties between runs created within the same millisecond.
    latestRun: database.prepare<[string], RunRow>(
      `SELECT ${runColumns} FROM runs WHERE fingerprint = ? ORDER BY created_at DESC, rowid DESC LIMIT 1`,
    ),
    latestRunWithStatus: database.prepare<[string, RunStatus], RunRow>(
      `SELECT ${runColumns} FROM runs WHERE fingerprint = ? AND status = ?
       ORDER BY created_at DESC, rowid DESC LIMIT 1`,
    ),
    updateRun: database.prepare<[Record<string, unknown>]>(
      'UPDATE runs SET status = @status, summary = @summary, updated_at = @now WHERE run_id = @runId',
    ),
    resumeRun: database.prepare<[Record<string, unknown>]>(
      `UPDATE runs SET status = 'running', updated_at = @now WHERE run_id = @runId`,
    ),
    interruptCalls: database.prepare<[Record<string, unknown>]>(
      `UPDATE calls SET status = 'interrupted', finished_at = @now WHERE run_id = @runId AND status = 'started'`,
    ),
    insertCall: database.prepare<[Record<string, unknown>]>(
      `INSERT INTO calls (run_id, key, status, cached, input_tokens, output_tokens, started_at, finished_at)
       VALUES (@runId, @key, @status, @cached, @inputTokens, @outputTokens, @now, @finishedAt)`,
    ),
    // The oldest open call for the key: concurrent identical requests are matched first-in, first-out.
    openCall: database.prepare<[string, string], { id: number }>(
      `SELECT id FROM calls WHERE run_id = ? AND key = ? AND status = 'started' ORDER BY id LIMIT 1`,
    ),
    closeCall: database.prepare<[Record<string, unknown>]>(
      `UPDATE calls SET status = @status, cached = @cached, input_tokens = @inputTokens,
         output_tokens = @outputTokens, finished_at = @now
       WHERE id = @id`,
    ),
    countCalls: database.prepare<[string], CallCountRow>(
      `SELECT
         count(*) AS started,
         sum(status = 'finished') AS finished,
         sum(status = 'finished' AND cached = 1) AS cached,
         sum(status = 'failed') AS failed,
         sum(status = 'interrupted') AS interrupted,
         sum(CASE WHEN status = 'finished' AND cached = 0 THEN input_tokens END) AS paid_input_tokens,
         sum(CASE WHEN status = 'finished' AND cached = 0 THEN output_tokens END) AS paid_output_tokens
       FROM calls WHERE run_id = ?`,
    ),
    upsertResult: database.prepare<[Record<string, unknown>]>(
      `INSERT OR REPLACE INTO results (run_id, item_index, item_id, result, saved_at)
       VALUES (@runId, @index, @id, @result, @now)`,
    ),
    selectResults: database.prepare<[string], { item_index: number; item_id: string; result: string }>(
      'SELECT item_index, item_id, result FROM results WHERE run_id = ? ORDER BY item_index',
    ),
    countResults: database.prepare<[string], { count: number }>(
      'SELECT count(*) AS count FROM results WHERE run_id = ?',
    ),
  }));

  /**
   * Journals a new run with status `running`. `config` is stored as JSON and must hold no secrets
   * (checked: credential-like property names and provider key shapes are refused).
   */
  startRun({
    fingerprint,
    config,
    runId,
  }: {
    fingerprint: string;
    config: unknown;
    runId?: string;
  }): RunRecord {
    assertNoSecrets(config, 'config');
    const id = runId ?? newRunId();
    this.#statements.insertRun.run({
      runId: id,
      fingerprint,
      config: toJson(config, 'config'),
      now: this.timestamp(),
    });
    return this.getRun(id)!;
  }

  getRun(runId: string): RunRecord | undefined {
    const row = this.#statements.selectRun.get(runId);
    return row === undefined ? undefined : toRunRecord(row);
  }

  /**
   * The most recent run of a command, optionally with a given status: `{ fingerprint, status:
   * 'running' }` finds a run that was killed (or is still going in another process) to resume.
   */
  findLatestRun({ fingerprint, status }: { fingerprint: string; status?: RunStatus }): RunRecord | undefined {
    const row =
      status === undefined
        ? this.#statements.latestRun.get(fingerprint)
        : this.#statements.latestRunWithStatus.get(fingerprint, status);
    return row === undefined ? undefined : toRunRecord(row);
  }

  /**
   * Takes a killed run up again: sets it `running` and marks the calls its dead process left in
   * flight as `interrupted`, so the counts stay true when the same requests are journaled anew.
   * Returns how many calls were interrupted: those the resumed run will pay for a second time.
   */
  resumeRun(runId: string): { interruptedCalls: number } {
    return this.writeAtomically(() => {
      const now = this.timestamp();
      const updated = this.#statements.resumeRun.run({ runId, now });
      if (updated.changes === 0) throw unknownRun(runId);
      return { interruptedCalls: this.#statements.interruptCalls.run({ runId, now }).changes };
    });
  }

  finishRun(runId: string, status: Exclude<RunStatus, 'running'>, summary: unknown): void {
    assertNoSecrets(summary, 'summary');
    const updated = this.#statements.updateRun.run({
      runId,
      status,
      summary: toJson(summary, 'summary'),
      now: this.timestamp(),
    });
    if (updated.changes === 0) throw unknownRun(runId);
  }

  /** Journals a model call about to be sent (a cache miss), before any money is spent on it. */
  recordCallStarted(runId: string, key: string): void {
    this.#insertCall({ runId, key, status: 'started', cached: 0, inputTokens: null, outputTokens: null });
  }

  /**
   * Journals a reply. Closes the oldest open call for `key`; a cache hit, which never opened one,
   * gets a row of its own.
   */
  recordCallFinished(runId: string, key: string, { inputTokens, outputTokens, cached }: CallUsage): void {
    this.#closeCall(runId, key, { status: 'finished', cached: cached ? 1 : 0, inputTokens, outputTokens });
  }

  /** Journals a call that threw. No error text is kept: provider messages may quote request details. */
  recordCallFailed(runId: string, key: string): void {
    this.#closeCall(runId, key, { status: 'failed', cached: 0, inputTokens: null, outputTokens: null });
  }

  countCalls(runId: string): CallCounts {
    const row = this.#statements.countCalls.get(runId)!;
    const finished = row.finished ?? 0;
    const failed = row.failed ?? 0;
    const interrupted = row.interrupted ?? 0;
    return {
      started: row.started,
      finished,
      cached: row.cached ?? 0,
      failed,
      interrupted,
      inFlight: row.started - finished - failed - interrupted,
      paidInputTokens: row.paid_input_tokens ?? 0,
      paidOutputTokens: row.paid_output_tokens ?? 0,
    };
  }

  /**
   * Saves finished item results in one transaction: after a kill either all rows of a call are
   * there or none. Saving an index again replaces its result, so a resumed run may re-save.
   */
  saveResults(runId: string, rows: readonly StoredResult[]): void {
    withRunCheck(runId, () =>
      this.writeAtomically(() => {
        const now = this.timestamp();
        for (const row of rows) {
          if (!Number.isInteger(row.index) || row.index < 0) {
            throw new BatchPromptError(`Expected \`index\` to be an integer >= 0, got \`${row.index}\``);
          }
          this.#statements.upsertResult.run({
            runId,
            index: row.index,
            id: row.id,
            result: toJson(row.result, `result of item ${row.id}`),
            now,
          });
        }
      }),
    );
  }

  loadResults(runId: string): StoredResult[] {
    return this.#statements.selectResults.all(runId).map((row) => ({
      index: row.item_index,
      id: row.item_id,
      result: JSON.parse(row.result) as unknown,
    }));
  }

  countResults(runId: string): number {
    return this.#statements.countResults.get(runId)!.count;
  }

  #insertCall(call: Record<string, unknown> & { runId: string }): void {
    const now = this.timestamp();
    withRunCheck(call.runId, () =>
      this.#statements.insertCall.run({ ...call, now, finishedAt: call.status === 'started' ? null : now }),
    );
  }

  #closeCall(
    runId: string,
    key: string,
    outcome: {
      status: 'finished' | 'failed';
      cached: 0 | 1;
      inputTokens: number | null;
      outputTokens: number | null;
    },
  ): void {
    // The write lock first: another process must not close the same open call between our SELECT and UPDATE.
    this.writeAtomically(() => {
      const open = this.#statements.openCall.get(runId, key);
      if (open === undefined) this.#insertCall({ runId, key, ...outcome });
      else this.#statements.closeCall.run({ id: open.id, ...outcome, now: this.timestamp() });
    });
  }
}

/** Ten hex characters: short enough to type after `--resume`, and never starting with `-`. */
export function newRunId(): string {
  return randomBytes(5).toString('hex');
}

function toRunRecord(row: RunRow): RunRecord {
  return {
    runId: row.run_id,
    fingerprint: row.fingerprint,
    status: row.status,
    config: JSON.parse(row.config) as unknown,
    summary: row.summary === null ? undefined : (JSON.parse(row.summary) as unknown),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toJson(value: unknown, what: string): string {
  const json = JSON.stringify(value);
  if (json === undefined)
    throw new BatchPromptError(`Expected the ${what} to be JSON-serialisable, got \`${String(value)}\``);
  return json;
}

function unknownRun(runId: string, cause?: unknown): BatchPromptError {
  return new BatchPromptError(`No run with \`runId\` \`${runId}\` in the journal`, { cause });
}

/** Turns SQLite's bare foreign-key failure into an error that names the run. */
function withRunCheck<T>(runId: string, write: () => T): T {
  try {
    return write();
  } catch (error) {
    if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
      throw unknownRun(runId, error);
    }
    throw error;
  }
}
