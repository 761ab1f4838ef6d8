/** Whether a process of this host is alive, for telling stale lock and temp files from those of running processes. */

/**
 * True when a process with this id exists on this host. Signal 0 only checks: ESRCH means no such process; EPERM means
 * it exists but belongs to another user (alive).
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
