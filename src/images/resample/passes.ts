/**
 * The two separable passes of Pillow's 8-bit resampler (Resample.c ImagingResampleHorizontal_8bpc / Vertical_8bpc)
 * on packed RGB, 4 taps per step over the padded taps of taps.ts. Each output value is (HALF + sum of pixel x weight)
 * >> 22, clamped to 0..255 as Pillow's clip8 does; writing into a Uint8ClampedArray does the clamping, and sums stay
 * below 2^31 (weights sum to 1 in 22-bit fixed point; the positive ones of bicubic to under 1.14), so `>>` is exact.
 */

import { PRECISION_BITS, type Taps } from './taps.js';

const HALF = 1 << (PRECISION_BITS - 1);

/**
 * Horizontal pass over input rows [first, last) of `src` (inWidth x inHeight RGB): one row of `taps.start.length`
 * pixels per input row. Rows at or past inHeight (read only with zero weights by the vertical pass) stay 0.
 */
export function horizontalPass(src: Uint8Array, inWidth: number, inHeight: number, first: number, last: number, taps: Taps): Uint8Array {
  const { start, weights, width } = taps;
  const outWidth = start.length;
  const out = new Uint8ClampedArray((last - first) * outWidth * 3);
  // Windows longer than the input read past the end of the last row (with zero weights): give them bytes to read.
  const overhang = ((start[outWidth - 1] as number) + width - inWidth) * 3;
  const data = overhang > 0 ? withSlack(src, overhang) : src;
  const rowBytes = inWidth * 3;
  let o = 0;
  for (let y = first, end = Math.min(last, inHeight); y < end; y++) {
    const row = y * rowBytes;
    for (let j = 0; j < outWidth; j++) {
      let p = row + (start[j] as number) * 3;
      let s0 = HALF;
      let s1 = HALF;
      let s2 = HALF;
      for (let t = j * width, tEnd = t + width; t < tEnd; t += 4, p += 12) {
        const ka = weights[t] as number;
        const kb = weights[t + 1] as number;
        const kc = weights[t + 2] as number;
        const kd = weights[t + 3] as number;
        s0 += (data[p] as number) * ka + (data[p + 3] as number) * kb + (data[p + 6] as number) * kc + (data[p + 9] as number) * kd;
        s1 += (data[p + 1] as number) * ka + (data[p + 4] as number) * kb + (data[p + 7] as number) * kc + (data[p + 10] as number) * kd;
        s2 += (data[p + 2] as number) * ka + (data[p + 5] as number) * kb + (data[p + 8] as number) * kc + (data[p + 11] as number) * kd;
      }
      out[o++] = s0 >> PRECISION_BITS;
      out[o++] = s1 >> PRECISION_BITS;
      out[o++] = s2 >> PRECISION_BITS;
    }
  }
  return new Uint8Array(out.buffer);
}

/**
 * Vertical pass: `src` holds rows of `stride` bytes, its row 0 being input row `first`; one output row per tap window,
 * 4 input rows per sweep along the row, partial sums of longer windows kept in an int32 row between sweeps.
 */
export function verticalPass(src: Uint8Array, stride: number, first: number, taps: Taps): Uint8Array {
  const { start, weights, width } = taps;
  const outHeight = start.length;
  const out = new Uint8ClampedArray(outHeight * stride);
  const acc = new Int32Array(stride);
  for (let i = 0; i < outHeight; i++) {
    const o = i * stride;
    for (let b = 0; b < width; b += 4) {
      const t = i * width + b;
      const ka = weights[t] as number;
      const kb = weights[t + 1] as number;
      const kc = weights[t + 2] as number;
      const kd = weights[t + 3] as number;
      const r0 = ((start[i] as number) - first + b) * stride;
      const r1 = r0 + stride;
      const r2 = r1 + stride;
      const r3 = r2 + stride;
      // The first group of 4 rows starts the sum at HALF, the last one writes the output byte; a window of 4 rows
      // (bilinear down to half size, the ImageNet case) does both and never touches the accumulator row.
      const isFirst = b === 0;
      const isLast = b + 4 === width;
      for (let x = 0; x < stride; x++) {
        const s =
          (isFirst ? HALF : (acc[x] as number)) +
          (src[r0 + x] as number) * ka +
          (src[r1 + x] as number) * kb +
          (src[r2 + x] as number) * kc +
          (src[r3 + x] as number) * kd;
        if (isLast) out[o + x] = s >> PRECISION_BITS;
        else acc[x] = s;
      }
    }
  }
  return new Uint8Array(out.buffer);
}

/** A copy of `src` followed by `extra` zero bytes. */
function withSlack(src: Uint8Array, extra: number): Uint8Array {
  const out = new Uint8Array(src.length + extra);
  out.set(src);
  return out;
}
