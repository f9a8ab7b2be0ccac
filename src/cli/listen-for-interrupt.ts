import { setMaxListeners } from 'node:events';

export interface InterruptListener {
  /** Aborted by the first Ctrl-C (SIGINT) or SIGTERM, or by whoever else calls `abort`. */
  controller: AbortController;
  /** Stops listening; call it in `finally`. */
  dispose(): void;
}

/**
 * Turns Ctrl-C and SIGTERM into an aborted signal, the same way for every command that calls a
 * model (`run`, `eval`): calls in flight are cancelled, what completed stays cached, and the
 * command exits with `exitCodes.interrupted`.
 */
export function listenForInterrupt(concurrency: number | undefined): InterruptListener {
  const controller = new AbortController();
  // Every call in flight listens on this one signal (scheduler and adapter each add a listener and
  // remove it when the call ends), so Node's default warning at 10 listeners is no sign of a leak.
  // 64 is the largest default concurrency (the simulated model's).
  setMaxListeners(Math.max(256, 4 * (concurrency ?? 64)), controller.signal);
  const onSignal = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    controller,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
