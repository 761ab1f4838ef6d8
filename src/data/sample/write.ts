/**
 * Writing the dataset to disk, atomically (temp file in the same folder, then rename): plain files for the
 * folder layout, and deterministic zips (fixed timestamps, fixed entry order) for the official zip layout.
 */

import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { writeAtomically } from '../../io/atomic-write.js';

/** One file inside a zip. */
export interface ZipEntry {
  name: string;
  data: Buffer;
  /** Deflate it (worth it for JSON, not for JPEG). */
  compress: boolean;
}

/** A fixed local-time timestamp for zip entries, so equal content gives byte-identical zips. */
const ZIP_MTIME = new Date(2020, 0, 1, 0, 0, 0);

/** Writes a zip of `entries` (in the given order) to `target` via a temporary file and a rename. */
export async function writeZipAtomic(target: string, entries: readonly ZipEntry[]): Promise<void> {
  const zip = new ZipFile();
  for (const entry of entries) {
    zip.addBuffer(entry.data, entry.name, { mtime: ZIP_MTIME, forceDosTimestamp: true, compress: entry.compress, mode: 0o100644 });
  }
  zip.end();
  await writeAtomically(target, (tmp) => pipeline(zip.outputStream, createWriteStream(tmp)));
}

/** Runs `task` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapPool<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
