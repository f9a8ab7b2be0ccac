/**
 * Resolves once `condition` holds, checked every 5 ms (a kill timed by a request count lands
 * close to it). The bound is generous, for a process starting on a loaded machine; reaching it
 * fails the test with `what` in the message.
 */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 180_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 5));
  }
}
