/**
 * Claiming a command's output before any work: the `--out` folder (or the folder of an `--out` file) must be writable,
 * and a command that owns its output takes the run lock on it (src/io/run-lock.ts), so a second run on the same output
 * fails at once. The locks are released when the command ends (runCli), on exit and on SIGINT/SIGTERM.
 */
import { acquireRunLock } from '../io/run-lock.js';
import { ensureWritableFileLocation, ensureWritableFolder } from '../io/writable-folder.js';

/** Makes `dir` (a run folder) if needed, checks it is writable and locks it for `command`. */
export async function claimOutputFolder(dir: string, command: string): Promise<void> {
  await ensureWritableFolder(dir, '--out');
  acquireRunLock(dir, { kind: 'folder', command: `vizwiz ${command}` });
}

/** Checks that the output file `file` can be written and, when `lock`, locks it for `command`. */
export async function claimOutputFile(file: string, command: string, options: { lock: boolean }): Promise<void> {
  await ensureWritableFileLocation(file, '--out');
  if (options.lock) acquireRunLock(file, { kind: 'file', command: `vizwiz ${command}` });
}
