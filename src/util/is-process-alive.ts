/**
 * True when a process with this pid exists on this host. Signal 0 checks without touching it;
 * EPERM means it exists under another user. A pid reused by an unrelated process reads as alive,
 * which errs on the side of waiting rather than taking over a live run.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
