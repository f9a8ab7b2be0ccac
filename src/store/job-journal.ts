import { randomBytes } from 'node:crypto';
import type { GenerateResult } from '../spec/chat-model.js';
import { assertNoSecrets } from './assert-no-secrets.js';
import { StoreTable } from './store-table.js';

/**
 * What batchprompt knows of a provider job. `submitting`: journaled, the provider may or may not
 * have it (the process died between the two); `submitted`: the provider has it and is working;
 * `ended`: its results were downloaded and recorded; `failed`: the provider refused it as a whole;
 * `abandoned`: submission never reached the provider, its requests are free to go elsewhere.
 */
export type JobStatus = 'submitting' | 'submitted' | 'ended' | 'failed' | 'abandoned';

/** What became of one request of a job, as the provider reported it. */
export type JobRequestState = 'pending' | 'succeeded' | 'errored' | 'expired' | 'canceled';

export interface JobRecord {
  /** batchprompt's own id of the job: `job-` and ten hex characters. */
  jobId: string;
  runId: string | undefined;
  provider: string;
  modelId: string;
  /** The API base URL the job went to, where it is not the provider's default. */
  baseUrl: string | undefined;
  /** The provider's batch id, once the provider accepted the job. */
  providerJobId: string | undefined;
  inputFileId: string | undefined;
  status: JobStatus;
  /** The provider's own status word when last asked (`in_progress`, `ended`, `expired`...). */
  providerStatus: string | undefined;
  requestCount: number;
  /** Requests of the job by state. */
  counts: Record<JobRequestState, number>;
  createdAt: string;
  updatedAt: string;
}

export interface JobOutcome {
  customId: string;
  state: Exclude<JobRequestState, 'pending'>;
  /** The reply, for a request that succeeded. */
  reply?: StoredReply;
  /** Why it failed, for an errored request (provider text with keys scrubbed by the caller). */
  error?: string;
}

/** A reply as kept in the job journal: the model's answer and its usage, no headers. */
export type StoredReply = Omit<GenerateResult, 'headers' | 'cached'>;

interface JobRow {
  job_id: string;
  run_id: string | null;
  provider: string;
  model_id: string;
  base_url: string | null;
  provider_job_id: string | null;
  input_file_id: string | null;
  status: JobStatus;
  provider_status: string | null;
  request_count: number;
  created_at: string;
  updated_at: string;
}

const jobColumns =
  'job_id, run_id, provider, model_id, base_url, provider_job_id, input_file_id, status, provider_status, request_count, created_at, updated_at';

const requestStates: readonly JobRequestState[] = ['pending', 'succeeded', 'errored', 'expired', 'canceled'];

/**
 * Provider batch jobs and their requests. A job is written before it is submitted and its requests
 * are recorded by custom id, so that a process that died while a job ran finds the job again and
 * waits for it instead of paying for the same requests a second time. Prompts are never kept here
 * (the engine renders them again); replies are, once downloaded, until the run has used them.
 */
export class JobJournal extends StoreTable {
  readonly #statements = this.prepareStatements((database) => ({
    insertJob: database.prepare<[Record<string, unknown>]>(
      `INSERT INTO batch_jobs (job_id, run_id, provider, model_id, base_url, provider_job_id, input_file_id,
         status, provider_status, request_count, created_at, updated_at)
       VALUES (@jobId, @runId, @provider, @modelId, @baseUrl, NULL, NULL, 'submitting', NULL, @requestCount, @now, @now)`,
    ),
    insertRequest: database.prepare<[Record<string, unknown>]>(
      `INSERT INTO batch_requests (job_id, custom_id, state, reply, error) VALUES (@jobId, @customId, 'pending', NULL, NULL)`,
    ),
    selectJob: database.prepare<[string, string], JobRow>(
      `SELECT ${jobColumns} FROM batch_jobs WHERE job_id = ? OR provider_job_id = ?`,
    ),
    allJobs: database.prepare<[], JobRow>(`SELECT ${jobColumns} FROM batch_jobs ORDER BY created_at, rowid`),
    countRequests: database.prepare<[string], { state: JobRequestState; count: number }>(
      'SELECT state, count(*) AS count FROM batch_requests WHERE job_id = ? GROUP BY state',
    ),
    requestsOfJob: database.prepare<[string], { custom_id: string; state: JobRequestState }>(
      'SELECT custom_id, state FROM batch_requests WHERE job_id = ? ORDER BY custom_id',
    ),
    pendingOfJob: database.prepare<[string], { custom_id: string }>(
      `SELECT custom_id FROM batch_requests WHERE job_id = ? AND state = 'pending'`,
    ),
    markSubmitted: database.prepare<[Record<string, unknown>]>(
      `UPDATE batch_jobs SET status = 'submitted', provider_job_id = @providerJobId,
         input_file_id = coalesce(@inputFileId, input_file_id), provider_status = @providerStatus, updated_at = @now
       WHERE job_id = @jobId`,
    ),
    setInputFile: database.prepare<[Record<string, unknown>]>(
      'UPDATE batch_jobs SET input_file_id = @inputFileId, updated_at = @now WHERE job_id = @jobId',
    ),
    setStatus: database.prepare<[Record<string, unknown>]>(
      `UPDATE batch_jobs SET status = @status, provider_status = coalesce(@providerStatus, provider_status),
         updated_at = @now WHERE job_id = @jobId`,
    ),
    setProviderStatus: database.prepare<[Record<string, unknown>]>(
      'UPDATE batch_jobs SET provider_status = @providerStatus, updated_at = @now WHERE job_id = @jobId',
    ),
    recordOutcome: database.prepare<[Record<string, unknown>]>(
      `UPDATE batch_requests SET state = @state, reply = @reply, error = @error
       WHERE job_id = @jobId AND custom_id = @customId`,
    ),
    // A request waiting in a job the provider has (or may have): the newest such job.
    openRequest: database.prepare<[string, string], { job_id: string }>(
      `SELECT r.job_id FROM batch_requests r JOIN batch_jobs j ON j.job_id = r.job_id
       WHERE r.custom_id = ? AND r.state = 'pending' AND j.status IN ('submitting', 'submitted')
         AND j.model_id = ?
       ORDER BY j.created_at DESC, j.rowid DESC LIMIT 1`,
    ),
    reply: database.prepare<[string, string], { reply: string }>(
      `SELECT r.reply FROM batch_requests r JOIN batch_jobs j ON j.job_id = r.job_id
       WHERE r.custom_id = ? AND r.state = 'succeeded' AND j.model_id = ? LIMIT 1`,
    ),
  }));

  /**
   * Journals a job about to be submitted, with its requests pending. Written (and committed)
   * before anything is sent, so a kill during submission leaves a trace to look for.
   */
  createJob({
    runId,
    provider,
    modelId,
    baseUrl,
    customIds,
  }: {
    runId?: string;
    provider: string;
    modelId: string;
    baseUrl?: string;
    customIds: readonly string[];
  }): JobRecord {
    assertNoSecrets(baseUrl, 'baseUrl');
    assertNoSecrets(modelId, 'modelId');
    const jobId = `job-${randomBytes(5).toString('hex')}`;
    this.writeAtomically(() => {
      this.#statements.insertJob.run({
        jobId,
        runId: runId ?? null,
        provider,
        modelId,
        baseUrl: baseUrl ?? null,
        requestCount: customIds.length,
        now: this.timestamp(),
      });
      for (const customId of customIds) this.#statements.insertRequest.run({ jobId, customId });
    });
    return this.getJob(jobId)!;
  }

  /** Records the input file uploaded for a job, before the job itself is created at the provider. */
  recordInputFile(jobId: string, inputFileId: string): void {
    this.#statements.setInputFile.run({ jobId, inputFileId, now: this.timestamp() });
  }

  markSubmitted(
    jobId: string,
    {
      providerJobId,
      inputFileId,
      providerStatus,
    }: { providerJobId: string; inputFileId?: string; providerStatus: string },
  ): void {
    this.#statements.markSubmitted.run({
      jobId,
      providerJobId,
      inputFileId: inputFileId ?? null,
      providerStatus,
      now: this.timestamp(),
    });
  }

  recordProviderStatus(jobId: string, providerStatus: string): void {
    this.#statements.setProviderStatus.run({ jobId, providerStatus, now: this.timestamp() });
  }

  /** A job that never reached the provider: its requests may be submitted in another job. */
  markAbandoned(jobId: string): void {
    this.#statements.setStatus.run({
      jobId,
      status: 'abandoned',
      providerStatus: null,
      now: this.timestamp(),
    });
  }

  /**
   * Records what the provider returned for a job's requests and closes the job, in one
   * transaction: after a kill either every outcome is there or the job is still open.
   */
  recordOutcomes(
    jobId: string,
    outcomes: readonly JobOutcome[],
    { status, providerStatus }: { status: 'ended' | 'failed'; providerStatus: string },
  ): void {
    this.writeAtomically(() => {
      for (const outcome of outcomes) {
        this.#statements.recordOutcome.run({
          jobId,
          customId: outcome.customId,
          state: outcome.state,
          reply: outcome.reply === undefined ? null : JSON.stringify(outcome.reply),
          error: outcome.error ?? null,
        });
      }
      this.#statements.setStatus.run({ jobId, status, providerStatus, now: this.timestamp() });
    });
  }

  /** A job by batchprompt's id or by the provider's. */
  getJob(id: string): JobRecord | undefined {
    const row = this.#statements.selectJob.get(id, id);
    return row === undefined ? undefined : this.#toRecord(row);
  }

  listJobs(): JobRecord[] {
    return this.#statements.allJobs.all().map((row) => this.#toRecord(row));
  }

  /** Every request of a job with its state. */
  listRequests(jobId: string): { customId: string; state: JobRequestState }[] {
    return this.#statements.requestsOfJob
      .all(jobId)
      .map((row) => ({ customId: row.custom_id, state: row.state }));
  }

  /** Custom ids of a job's requests that have no outcome yet. */
  pendingRequests(jobId: string): string[] {
    return this.#statements.pendingOfJob.all(jobId).map((row) => row.custom_id);
  }

  /** The open job (submitting or submitted) in which this request waits, if any. */
  findOpenJobFor(customId: string, modelId: string): string | undefined {
    return this.#statements.openRequest.get(customId, modelId)?.job_id;
  }

  /** A reply the provider already returned for this request in some job of this store. */
  findReply(customId: string, modelId: string): StoredReply | undefined {
    const row = this.#statements.reply.get(customId, modelId);
    return row === undefined ? undefined : (JSON.parse(row.reply) as StoredReply);
  }

  #toRecord(row: JobRow): JobRecord {
    const counts = Object.fromEntries(requestStates.map((state) => [state, 0])) as Record<
      JobRequestState,
      number
    >;
    for (const { state, count } of this.#statements.countRequests.all(row.job_id)) counts[state] = count;
    return {
      jobId: row.job_id,
      runId: row.run_id ?? undefined,
      provider: row.provider,
      modelId: row.model_id,
      baseUrl: row.base_url ?? undefined,
      providerJobId: row.provider_job_id ?? undefined,
      inputFileId: row.input_file_id ?? undefined,
      status: row.status,
      providerStatus: row.provider_status ?? undefined,
      requestCount: row.request_count,
      counts,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }
}
