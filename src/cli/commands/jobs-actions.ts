import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Table from 'cli-table3';
import type { Command } from 'commander';
import type { ProviderJobState } from '../../jobs/batch-provider.js';
import { createBatchProvider } from '../../providers/create-batch-provider.js';
import { BatchPromptError, InputError } from '../../spec/errors.js';
import { defaultStoreDirectory } from '../../store/default-store-directory.js';
import type { JobRecord } from '../../store/job-journal.js';
import { openStore, type Store } from '../../store/open-store.js';
import { exitCodes } from '../exit-codes.js';
import { tableStyle } from '../plain-output.js';

/*
 * The work of `jobs` and `jobs cancel`: the store (SQLite) and the providers' batch clients (their
 * SDKs). `jobs.ts` declares the commands without them and loads this module when one runs, so
 * that `jobs --help` loads neither.
 */

export interface JobsCliValues {
  storeDir?: string;
  json?: boolean;
  /** False with `--no-refresh`: show the journal only, ask no provider. */
  refresh: boolean;
}

export interface JobListing {
  jobId: string;
  providerJobId: string | null;
  provider: string;
  model: string;
  runId: string | null;
  /** The provider's status when asked now, else the last one recorded. */
  status: string;
  /** What batchprompt has done with the job: submitting, submitted, ended, failed, abandoned. */
  journalStatus: string;
  total: number;
  succeeded: number;
  failed: number;
  pending: number;
  createdAt: string;
  ageMs: number;
  /** Why the provider could not be asked, if it could not. */
  note?: string;
}

function providerFor(job: JobRecord) {
  return createBatchProvider(job.modelId, job.baseUrl === undefined ? {} : { baseUrl: job.baseUrl }).provider;
}

function listing(
  job: JobRecord,
  state: ProviderJobState | undefined,
  now: number,
  note?: string,
): JobListing {
  const recordedFailed = job.counts.errored + job.counts.expired + job.counts.canceled;
  return {
    jobId: job.jobId,
    providerJobId: job.providerJobId ?? null,
    provider: job.provider,
    model: job.modelId,
    runId: job.runId ?? null,
    status: state?.status ?? job.providerStatus ?? job.status,
    journalStatus: job.status,
    total: job.requestCount,
    succeeded: state?.counts?.succeeded ?? job.counts.succeeded,
    failed: state?.counts?.failed ?? recordedFailed,
    pending: state?.counts?.pending ?? job.counts.pending,
    createdAt: job.createdAt,
    ageMs: now - Date.parse(job.createdAt),
    ...(note === undefined ? {} : { note }),
  };
}

function age(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return `${Math.round(ms / 1000)} s`;
  if (minutes < 120) return `${minutes} min`;
  const hours = minutes / 60;
  return hours < 48 ? `${hours.toFixed(1)} h` : `${(hours / 24).toFixed(1)} d`;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Every job of the store, with the provider's current status for those still open. */
async function listJobs(store: Store, refresh: boolean): Promise<JobListing[]> {
  const now = Date.now();
  const listings: JobListing[] = [];
  for (const job of store.jobs.listJobs()) {
    const open = job.status === 'submitted' && job.providerJobId !== undefined;
    if (!refresh || !open) {
      listings.push(listing(job, undefined, now));
      continue;
    }
    try {
      const state = await providerFor(job).retrieve(job.providerJobId!);
      store.jobs.recordProviderStatus(job.jobId, state.status);
      listings.push(listing(job, state, now));
    } catch (error) {
      listings.push(listing(job, undefined, now, `status not refreshed: ${reason(error)}`));
    }
  }
  return listings;
}

function renderJobs(listings: readonly JobListing[]): string {
  if (listings.length === 0) return 'no batch jobs in this store';
  const table = new Table({
    ...tableStyle(),
    head: ['job', 'provider job', 'model', 'status', 'done / total', 'failed', 'age', 'run'],
  });
  for (const entry of listings) {
    table.push([
      entry.jobId,
      entry.providerJobId ?? '-',
      entry.model,
      entry.journalStatus === 'submitted' || entry.journalStatus === entry.status
        ? entry.status
        : `${entry.status} (${entry.journalStatus})`,
      `${entry.succeeded} / ${entry.total}`,
      String(entry.failed),
      age(entry.ageMs),
      entry.runId ?? '-',
    ]);
  }
  const notes = listings
    .filter((entry) => entry.note !== undefined)
    .map((entry) => `${entry.jobId}: ${entry.note}`);
  return [table.toString(), ...notes].join('\n');
}

/**
 * Whether the folder holds a store, or held one (its marker stays when the database is lost, and
 * opening it then says so). Opening creates a store, so without this check `jobs` on a mistyped
 * --store-dir made an empty store there and reported it had no jobs.
 */
function holdsStore(directory: string): boolean {
  return ['store.sqlite', 'store.created'].some((name) => existsSync(join(directory, name)));
}

const noStore = (directory: string) =>
  `no store in ${directory}: no run has used this folder (--store-dir names the one your runs used)`;

/** `jobs`: every job of the store, as a table or JSON; the exit code. */
export async function listJobsAction(values: JobsCliValues): Promise<number> {
  const directory = values.storeDir ?? defaultStoreDirectory;
  if (!holdsStore(directory)) {
    process.stdout.write(`${values.json ? '[]' : noStore(directory)}\n`);
    return exitCodes.ok;
  }
  const store = openStore(directory);
  try {
    const listings = await listJobs(store, values.refresh);
    process.stdout.write(`${values.json ? JSON.stringify(listings, null, 2) : renderJobs(listings)}\n`);
    return exitCodes.ok;
  } finally {
    store.close();
  }
}

/** `jobs cancel <id>`: cancels the job at its provider and records the status it answered; the exit code. */
export async function cancelJobAction(id: string, command: Command): Promise<number> {
  // `--store-dir` may be read by `jobs` itself when given after `cancel`: take either.
  const values = command.optsWithGlobals<Omit<JobsCliValues, 'refresh'>>();
  const directory = values.storeDir ?? defaultStoreDirectory;
  if (!holdsStore(directory)) throw new InputError(noStore(directory), { field: 'store-dir' });
  const store = openStore(directory);
  try {
    const job = store.jobs.getJob(id);
    if (job === undefined)
      throw new InputError(`no batch job \`${id}\` in ${store.directory}`, { field: 'id' });
    if (job.providerJobId === undefined || job.status !== 'submitted') {
      throw new InputError(
        `batch job ${job.jobId} is ${job.status}: there is nothing to cancel at the provider`,
        {
          field: 'id',
        },
      );
    }
    let state: ProviderJobState;
    try {
      state = await providerFor(job).cancel(job.providerJobId);
    } catch (error) {
      throw BatchPromptError.isInstance(error)
        ? error
        : new BatchPromptError(reason(error), { cause: error });
    }
    store.jobs.recordProviderStatus(job.jobId, state.status);
    const entry = listing(store.jobs.getJob(job.jobId)!, state, Date.now());
    process.stdout.write(
      values.json
        ? `${JSON.stringify(entry, null, 2)}\n`
        : `batch job ${job.jobId} (${job.providerJobId}): ${state.status}; ${entry.succeeded} of ${entry.total} requests done. Run the same command again to keep what finished and submit the rest.\n`,
    );
    return exitCodes.ok;
  } finally {
    store.close();
  }
}
