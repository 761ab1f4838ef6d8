/**
 * Preparing one batch for an encoder: read, decode (sharp, on libuv's thread pool) and preprocess each image into
 * its slot of one Float32Array, a few images at a time. Images that cannot be used are collected as failure
 * records (row, name, reason); the good images are then packed to the front, in row order, so `encodeImages`
 * sees `ok.length` images back to back. Whether a failure stops the run is the caller's decision.
 */
import type { ImageSource } from '../data/image-source.js';
import type { VizWizQuestion } from '../data/types.js';
import { readImage, type DecodeOptions } from '../images/decode.js';
import { ImageFailure, type ImageFailureRecord } from '../images/failure.js';
import type { ImageTextEncoder } from '../models/encoder.js';
import type { RowRange } from './plan.js';

export interface PreparedBatch {
  readonly range: RowRange;
  /** ok.length preprocessed images, back to back. */
  readonly pixels: Float32Array;
  /** Rows (absolute) whose image is in `pixels`, in order. */
  readonly ok: readonly number[];
  /** Rows whose image could not be used, in row order. */
  readonly failures: readonly ImageFailureRecord[];
}

/** Runs `task(i)` for i in [0, count) with at most `limit` running at once. */
async function forEachLimited(count: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

export async function prepareBatch(
  range: RowRange,
  questions: readonly VizWizQuestion[],
  images: ImageSource,
  encoder: ImageTextEncoder,
  options: { decode: DecodeOptions; concurrency: number },
): Promise<PreparedBatch> {
  const n = range.end - range.start;
  const size = encoder.pixelsPerImage;
  const pixels = new Float32Array(n * size);
  const failed: (ImageFailureRecord | undefined)[] = new Array(n);
  await forEachLimited(n, options.concurrency, async (i) => {
    const row = range.start + i;
    const name = questions[row]!.image;
    try {
      const image = await readImage(images, name, options.decode);
      await encoder.preprocess(image, pixels.subarray(i * size, (i + 1) * size));
    } catch (err) {
      if (!(err instanceof ImageFailure)) throw err;
      failed[i] = { row, image: name, kind: err.kind, reason: err.reason };
    }
  });
  const ok: number[] = [];
  const failures: ImageFailureRecord[] = [];
  for (let i = 0; i < n; i++) {
    const f = failed[i];
    if (f) {
      failures.push(f);
      continue;
    }
    if (ok.length !== i) pixels.copyWithin(ok.length * size, i * size, (i + 1) * size);
    ok.push(range.start + i);
  }
  return { range, pixels: pixels.subarray(0, ok.length * size), ok, failures };
}
