/**
 * The last step of an extraction: join the finished parts into the feature file that `vizwiz train` reads, write
 * the skipped images to `<out stem>.failures.json` (or remove a stale one), then remove the work folder. The feature
 * file is written to a temp file and renamed, so it is either absent, the old one, or complete; if the process dies
 * before the work folder is removed, the next run simply assembles again.
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

export async function assembleFeatures(
  work: WorkFolder,
  out: string,
  metadata: Readonly<Record<string, string>>,
): Promise<ImageFailureRecord[]> {
  const { rows, imageDim, textDim } = work.manifest;
  const image = new Float32Array(rows * imageDim);
  const text = textDim === null ? undefined : new Float32Array(rows * textDim);
  const failures: ImageFailureRecord[] = [];
  for (const range of work.finished()) failures.push(...(await work.readPart(range, image, text)));
  failures.sort((a, b) => a.row - b.row);
  const failuresFile = failuresPathFor(out);
  if (failures.length > 0) await writeJsonAtomic(failuresFile, { out, skipped: failures.length, failures });
  else await rm(failuresFile, { force: true });
  await writeFeatures(out, {
    image: { data: image, rows, dim: imageDim },
    ...(text && textDim !== null ? { text: { data: text, rows, dim: textDim } } : {}),
    metadata: { ...metadata, ...(failures.length > 0 ? { failures: JSON.stringify(failures) } : {}) },
  });
  await work.remove();
  return failures;
}
