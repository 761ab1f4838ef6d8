/**
 * The filter taps of a 1-D resize, as Pillow computes them (Resample.c precompute_coeffs + normalize_coeffs_8bpc): per
 * output index a window of input indices around its centre, widened by the downscale factor (antialiasing), the
 * kernel's weights normalised to sum 1 and rounded to 22-bit fixed point. Only output indices [from, to) are computed,
 * so a window of the resized image costs only its own taps.
 *
 * Unlike Pillow, each window is then zero-padded to a common width, a multiple of 4, and shifted to lie inside the
 * input where it fits: the passes then run 4 taps per step with no per-pixel tap count. Integer sums are exact, and a
 * zero weight adds exactly 0, so the bytes stay Pillow's.
 */

import type { ResampleFilter } from './filters.js';

/** Fixed-point precision of the weights: 32 - 8 - 2 bits, so a sum of 8-bit pixels times weights fits in an int32. */
export const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;

export interface Taps {
  /** Per output index, the first input index of its window (`width` indices long; may run past the input when the
   * input is narrower than `width`, with zero weights there). */
  readonly start: Int32Array;
  /** `width` fixed-point weights per output index. */
  readonly weights: Int32Array;
  /** Window length, a multiple of 4. */
  readonly width: number;
}

/** Taps of output indices [from, to) of a resize inSize -> outSize with `filter`. */
export function filterTaps(filter: ResampleFilter, inSize: number, outSize: number, from = 0, to = outSize): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const ksize = Math.ceil(support) * 2 + 1; // Pillow's bound on a window's length
  const n = to - from;
  const xmins = new Int32Array(n);
  const counts = new Int32Array(n);
  const fixed = new Int32Array(n * ksize);
  const w = new Float64Array(ksize);
  const ss = 1 / filterScale;
  let longest = 0;
  for (let j = 0; j < n; j++) {
    const center = (from + j + 0.5) * scale;
    // C's (int) truncation, as Pillow rounds the window's ends.
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const count = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let sum = 0;
    for (let x = 0; x < count; x++) {
      w[x] = filter.weight((x + xmin - center + 0.5) * ss);
      sum += w[x] as number;
    }
    for (let x = 0; x < count; x++) {
      const k = sum !== 0 ? (w[x] as number) / sum : (w[x] as number);
      fixed[j * ksize + x] = k < 0 ? Math.trunc(-0.5 + k * ONE) : Math.trunc(0.5 + k * ONE);
    }
    xmins[j] = xmin;
    counts[j] = count;
    longest = Math.max(longest, count);
  }
  const width = Math.max(4, Math.ceil(longest / 4) * 4);
  const start = new Int32Array(n);
  const weights = new Int32Array(n * width);
  for (let j = 0; j < n; j++) {
    const xmin = xmins[j] as number;
    const s = Math.min(xmin, Math.max(0, inSize - width));
    weights.set(fixed.subarray(j * ksize, j * ksize + (counts[j] as number)), j * width + xmin - s);
    start[j] = s;
  }
  return { start, weights, width };
}
