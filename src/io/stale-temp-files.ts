/**
 * Temp files of atomic writes left by a killed process. writeAtomically names its temp file `.<name>.<pid>.<n>.tmp`
 * beside the target; a kill between write and rename leaves it behind for ever. The pid in the name tells whose it
 * is: a temp file whose process no longer exists on this host is garbage and is removed, one of a live process (still
 * writing it) is never touched. A reused pid only means a garbage file is kept a while longer.
 */
import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isProcessAlive } from './process-alive.js';

const TEMP_NAME = /^\..+\.(\d+)\.(\d+)\.tmp$/;

/** The temp file name of the `n`-th atomic write of this process to `target`. */
export function tempPathFor(target: string, n: number, pid = process.pid): string {
  return join(dirname(target), `.${basename(target)}.${pid}.${n}.tmp`);
}

/** The pid in a temp file name, or undefined when the name is not one of writeAtomically's temp files. */
export function tempFileOwner(name: string): number | undefined {
  const match = TEMP_NAME.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** Removes the temp files in `dir` whose process is dead; returns their names. A missing folder has none. */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = tempFileOwner(name);
    if (pid === undefined || pid === process.pid || isProcessAlive(pid)) continue;
    await rm(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}
