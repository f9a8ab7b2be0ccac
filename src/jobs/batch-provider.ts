import type { GenerateRequest } from '../spec/chat-model.js';
import type { JobOutcome, JobRecord } from '../store/job-journal.js';

/** One request of a job: the custom id the provider echoes back, and the request itself. */
export interface BatchEntry {
  customId: string;
  request: GenerateRequest;
}

/** A provider job as last seen. */
export interface ProviderJobState {
  providerJobId: string;
  /** The provider's own status word: `in_progress`, `completed`, `expired`, `ended`, `JOB_STATE_RUNNING`... */
  status: string;
  /** The provider will change nothing more: results (if any) can be downloaded. */
  ended: boolean;
  /** Someone asked the provider to cancel the job (it may still be finishing requests). */
  cancelled: boolean;
  /** The job was refused as a whole (OpenAI's `failed`): why, in the provider's words. */
  failure?: string;
  /** Requests by state; absent where the provider reports no progress (Gemini through its SDK). */
  counts?: { total: number; succeeded: number; failed: number; pending: number };
  /** Unix milliseconds. */
  createdAtMs: number;
}

/**
 * A request's outcome, with whether an error is worth submitting again and the HTTP status it
 * failed with, where the provider gives one (or an error type that stands for one): a request that
 * failed inside a job is told apart from one that got no reply by it, as an online call is.
 */
export type ProviderOutcome = JobOutcome & { retryable?: boolean; status?: number };

/**
 * A provider's batch endpoint through its official SDK. Implementations hold the client (and key);
 * nothing they return carries the key.
 */
export interface BatchProvider {
  readonly provider: 'openai' | 'anthropic' | 'google' | 'openai-compatible';
  /**
   * Most requests and bytes in one job (OpenAI 50,000 and 200 MB; Anthropic 100,000 and 256 MB;
   * Gemini a 2 GB input file).
   */
  readonly maxRequests: number;
  readonly maxBytes: number;
  /** The bytes one request adds to a job's upload. */
  requestBytes(entry: BatchEntry): number;
  /**
   * Submits one job. `onInputFile` is called once an input file was uploaded, before the job is
   * created from it, so that a process killed in between can find the job by its file.
   */
  submit(
    entries: readonly BatchEntry[],
    context: { jobId: string; onInputFile?: (fileId: string) => void },
  ): Promise<ProviderJobState>;
  retrieve(providerJobId: string): Promise<ProviderJobState>;
  /**
   * Every request's outcome; requests the provider does not mention are left out. `requestSent`
   * gives the request behind a custom id where the caller has it (a process that collects a job it
   * did not submit), so that each result's usage is checked against its prompt.
   */
  results(
    providerJobId: string,
    requestSent?: (customId: string) => GenerateRequest | undefined,
  ): Promise<ProviderOutcome[]>;
  cancel(providerJobId: string): Promise<ProviderJobState>;
  /**
   * The provider job of a journaled job whose submission was cut off before its id was recorded,
   * if the provider has it; `undefined` when it certainly or probably never arrived. Jobs whose ids
   * the journal already holds (`knownIds`) are never taken for it.
   */
  findSubmitted(job: JobRecord, knownIds: ReadonlySet<string>): Promise<ProviderJobState | undefined>;
}
