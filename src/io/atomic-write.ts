/**
 * Atomic file writes: write a temporary file beside the target, then rename it over the target, so an interrupted
 * run leaves either the old file or the new one, never a torn one. The folder is created when missing.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let counter = 0;

/** Runs `write(tmp)` on a temporary path beside `target`, then renames it into place (removing it on failure). */
export async function writeAtomically(target: string, write: (tmp: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  counter += 1;
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${counter}.tmp`);
  try {
    await write(tmp);
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await writeAtomically(path, (tmp) => writeFile(tmp, data));
}

/** Writes `value` as pretty JSON (two-space indent, trailing newline), atomically. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}
