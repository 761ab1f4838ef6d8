/**
 * Atomic file writes: write a temporary file beside the target, then rename it over the target, so an interrupted
 * run leaves either the old file or the new one, never a torn one. The folder is created when missing. The first
 * write of a process into a folder also removes temp files that killed processes left there (stale-temp-files.ts).
 * A file-system failure (full disk, read-only folder, permissions) is a FILE_SYSTEM error naming the target.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileSystemError } from './fs-errors.js';
import { removeStaleTempFiles, tempPathFor } from './stale-temp-files.js';

let counter = 0;

/** Folders this process has already written into (and cleaned of stale temp files). */
const swept = new Set<string>();

/** Runs `write(tmp)` on a temporary path beside `target`, then renames it into place (removing it on failure). */
export async function writeAtomically(target: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const dir = dirname(target);
  counter += 1;
  const tmp = tempPathFor(target, counter);
  try {
    await mkdir(dir, { recursive: true });
    if (!swept.has(dir)) {
      swept.add(dir);
      // housekeeping: a temp file that cannot be removed must not stop the write
      await removeStaleTempFiles(dir).catch(() => undefined);
    }
    await write(tmp);
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    const own = (err as NodeJS.ErrnoException).path;
    throw fileSystemError(err, own === undefined || own === tmp ? target : own) ?? err;
  }
}

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await writeAtomically(path, (tmp) => writeFile(tmp, data));
}

/** Writes `value` as pretty JSON (two-space indent, trailing newline), atomically. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}
