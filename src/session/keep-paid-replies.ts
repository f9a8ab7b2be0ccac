import { StoreError } from '../spec/errors.js';
import type { RequestTally } from '../stack/request-ledger.js';
import type { CachedChatModel } from '../store/cached-model.js';

/** How long a run whose store failed waits for it to take the replies already paid for. */
const heldReplyPatienceMs = 5 * 60_000;
const heldReplyRetryMs = 2000;

/**
 * The store failed: no further call is made (the cache refuses them). The calls still in flight
 * are let finish, since they are paid for either way, and every reply that could not be stored
 * is written as soon as the store takes it again (space freed, lock released), retrying for a
 * few minutes; aborting `signal` gives up. `onNote` hears what is held and for how long. Returns
 * the error to end with, saying how many requests reached the server (`stack.requests`, its
 * ledger: a call stopped by the store before it was sent is none), what was kept and what was lost.
 */
export async function keepPaidReplies(
  error: StoreError,
  stack: { cache?: CachedChatModel | undefined; requests: () => Pick<RequestTally, 'sent' | 'answered'> },
  signal: AbortSignal,
  onNote: (text: string) => void = () => {},
): Promise<StoreError> {
  const { cache, requests } = stack;
  if (cache === undefined) return error;
  const deadline = Date.now() + heldReplyPatienceMs;
  let announced = false;
  while (cache.callsInFlight() > 0 || !cache.writeHeldReplies()) {
    if (signal.aborted || Date.now() > deadline) break;
    if (!announced && cache.heldReplies() > 0) {
      announced = true;
      onNote(
        `${error.message}\nholding ${cache.heldReplies()} paid repl(ies) in memory and trying the store again every ${heldReplyRetryMs / 1000} s for up to ${heldReplyPatienceMs / 60_000} min (Ctrl-C gives them up)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, cache.callsInFlight() > 0 ? 50 : heldReplyRetryMs));
  }
  return new StoreError(`${error.message}; the run stopped: ${storedText(requests(), cache.heldReplies())}`, {
    path: error.path,
    cause: error,
  });
}

/** What a run the store stopped sent and kept: the requests the server saw, the replies stored. */
function storedText(requests: Pick<RequestTally, 'sent' | 'answered'>, lost: number): string {
  if (requests.sent === 0)
    return 'no request had reached the server, nothing was paid for; the same command starts the run';
  const sent = `${requests.sent} request(s) reached the server (${requests.answered} answered)`;
  return lost === 0
    ? `${sent}, every reply paid for is in the store; the same command resumes the run`
    : `${sent}, ${lost} paid repl${lost === 1 ? 'y' : 'ies'} could not be stored and will be paid again`;
}
