/**
 * The last step of an extraction: join the finished parts into the feature file that `vizwiz train` reads, write
 * the skipped images to `<out stem>.failures.json` (or remove a stale one), then remove the work folder. The feature
 * file is written to a temp file and renamed, so it is either absent, the old one, or complete; if the process dies
 * before the work folder is removed, the next run simply assembles again. `vizwiz merge` writes through the same
 * function (writeAssembled), so merged shards give the same bytes.
 */
import { rm } from 'node:fs/promises';
import type { ImageFailureRecord } from '../images/failure.js';
import { writeJsonAtomic } from '../io/atomic-write.js';
import { writeFeatures } from './feature-file.js';
import type { WorkFolder } from './work-folder.js';

/** `a/train.safetensors` -> `a/train.failures.json`; other names get `.failures.json` appended. */
export function failuresPathFor(out: string): string {
  return `${out.replace(/\.safetensors$/, '')}.failures.json`;
}

/** Finished matrices of a feature file: `image` [rows, imageDim], `text` [rows, textDim] when textDim is not null. */
export interface AssembledRows {
  rows: number;
  imageDim: number;
  textDim: number | null;
  image: Float32Array;
  text: Float32Array | undefined;
}

/**
 * Writes a finished feature file and its failures file (or removes a stale one): the one writer of extraction and of
 * `vizwiz merge`, so a merged file is byte for byte the file of an unsharded run.
 */
export async function writeAssembled(out: string, m: AssembledRows, metadata: Readonly<Record<string, string>>, failures: ImageFailureRecord[]): Promise<void> {
  failures.sort((a, b) => a.row - b.row);
  const failuresFile = failuresPathFor(out);
  if (failures.length > 0) await writeJsonAtomic(failuresFile, { out, skipped: failures.length, failures });
  else await rm(failuresFile, { force: true });
  await writeFeatures(out, {
    image: { data: m.image, rows: m.rows, dim: m.imageDim },
    ...(m.text && m.textDim !== null ? { text: { data: m.text, rows: m.rows, dim: m.textDim } } : {}),
    metadata: { ...metadata, ...(failures.length > 0 ? { failures: JSON.stringify(failures) } : {}) },
  });
}

/**
 * Joins the parts, writes the file, removes the work folder. `rowOf` maps the parts' rows to the rows the failure
 * records name (a shard's rows in the whole annotation file).
 */
export async function assembleFeatures(
  work: WorkFolder,
  out: string,
  metadata: Readonly<Record<string, string>>,
  rowOf: (row: number) => number = (row) => row,
): Promise<ImageFailureRecord[]> {
  const { rows, imageDim, textDim } = work.manifest;
  const image = new Float32Array(rows * imageDim);
  const text = textDim === null ? undefined : new Float32Array(rows * textDim);
  const failures: ImageFailureRecord[] = [];
  for (const range of work.finished()) failures.push(...(await work.readPart(range, image, text)));
  const named = failures.map((f) => ({ ...f, row: rowOf(f.row) }));
  await writeAssembled(out, { rows, imageDim, textDim, image, text }, metadata, named);
  await work.remove();
  return named;
}
