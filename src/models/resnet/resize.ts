/**
 * Pillow's BILINEAR resize of 8-bit RGB (Image.resize as torchvision's Resize calls it on PIL images), reproduced
 * bit for bit: Pillow's Resample.c computes, per output index, a triangle filter widened by the downscale factor
 * (antialiasing), normalises it, quantises it to 22-bit fixed point, and resamples in two separable passes
 * (horizontal, then vertical), each rounding and clipping to uint8. Written here instead of using sharp/libvips,
 * whose reducer differs from Pillow's by a grey level here and there, so features match torchvision-extracted ones.
 * `resizeRegion` computes only a window of the resized image (e.g. the centre crop): every output pixel depends only
 * on its own coefficients, so a window equals the same window of the full resize. The integer sums are exact, so the
 * order of the taps is free: the passes run 4 taps per step over zero-padded tap lists (about 1.5 ms for a 640x480
 * photo to its 224x224 crop on one core).
 */

import type { RgbImage } from '../../images/rgb.js';

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

/** Fixed-point filter taps for output indices [from, to) of a 1-D resize inSize -> outSize. */
export interface Coefficients {
  /** First input index read by each output index. */
  readonly start: Int32Array;
  /** Number of taps of each output index. */
  readonly count: Int32Array;
  /** Taps, `ksize` slots per output index. */
  readonly taps: Int32Array;
  readonly ksize: number;
}

/** Pillow precompute_coeffs (bilinear, support 1) + normalize_coeffs_8bpc, for output indices [from, to). */
export function bilinearCoefficients(inSize: number, outSize: number, from = 0, to = outSize): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 1 * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const n = to - from;
  const start = new Int32Array(n);
  const count = new Int32Array(n);
  const taps = new Int32Array(n * ksize);
  const w = new Float64Array(ksize);
  const ss = 1 / filterScale;
  for (let j = 0; j < n; j++) {
    const center = (from + j + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const t = Math.abs((x + xmin - center + 0.5) * ss);
      w[x] = t < 1 ? 1 - t : 0;
      ww += w[x] as number;
    }
    for (let x = 0; x < xmax; x++) {
      const k = ww !== 0 ? (w[x] as number) / ww : (w[x] as number);
      taps[j * ksize + x] = k < 0 ? Math.trunc(-0.5 + k * ONE) : Math.trunc(0.5 + k * ONE);
    }
    start[j] = xmin;
    count[j] = xmax;
  }
  return { start, count, taps, ksize };
}

function clip8(v: number): number {
  if (v >= ONE * 256) return 255;
  if (v <= 0) return 0;
  return v >> PRECISION_BITS;
}

/** A window of the resized image. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Taps padded with zero weights to a multiple of 4 per output index, each window shifted to lie inside [0, inSize),
 * so the passes can run 4 taps per step; zero-weight taps add exactly 0 to the integer sums. Null when a padded
 * window does not fit the input (tiny images), where the unpadded taps are used.
 */
function padTaps(c: Coefficients, inSize: number): Coefficients | null {
  const n = c.start.length;
  let most = 0;
  for (let j = 0; j < n; j++) most = Math.max(most, c.count[j] as number);
  const k = Math.ceil(most / 4) * 4;
  if (k > inSize) return null;
  const start = new Int32Array(n);
  const taps = new Int32Array(n * k);
  for (let j = 0; j < n; j++) {
    const s = Math.min(c.start[j] as number, inSize - k);
    const shift = (c.start[j] as number) - s;
    for (let t = 0; t < (c.count[j] as number); t++) taps[j * k + shift + t] = c.taps[j * c.ksize + t] as number;
    start[j] = s;
  }
  return { start, count: new Int32Array(n).fill(k), taps, ksize: k };
}

/**
 * Bilinear resize of `img` to outWidth x outHeight (Pillow semantics), returning only `region` of the result as
 * packed RGB (region.width * region.height * 3 bytes).
 */
export function resizeRegion(img: RgbImage, outWidth: number, outHeight: number, region: Region): Uint8Array {
  const { x: rx, y: ry, width: rw, height: rh } = region;
  const hc0 = bilinearCoefficients(img.width, outWidth, rx, rx + rw);
  const vc0 = bilinearCoefficients(img.height, outHeight, ry, ry + rh);
  const hc = padTaps(hc0, img.width);
  const vc = padTaps(vc0, img.height);
  const rows = vc ?? vc0;
  // Input rows the vertical pass reads: [first, last).
  let first = Infinity;
  let last = 0;
  for (let i = 0; i < rh; i++) {
    first = Math.min(first, rows.start[i] as number);
    last = Math.max(last, (rows.start[i] as number) + (rows.count[i] as number));
  }
  const tmp = hc ? horizontalPass4(img.data, img.width * 3, first, last, hc) : horizontalPass(img.data, img.width * 3, first, last, hc0); // (last - first) x rw
  return vc ? verticalPass4(tmp, rw * 3, first, vc) : verticalPass(tmp, rw * 3, first, vc0);
}

/** Pillow ImagingResampleHorizontal_8bpc over input rows [first, last): one uint8 row of `c.start.length` pixels each. */
function horizontalPass(src: Uint8Array, rowBytes: number, first: number, last: number, c: Coefficients): Uint8Array {
  const { start, count, taps, ksize } = c;
  const rw = start.length;
  const out = new Uint8Array((last - first) * rw * 3);
  let o = 0;
  for (let y = first; y < last; y++) {
    const inRow = y * rowBytes;
    for (let j = 0; j < rw; j++) {
      const cnt = count[j] as number;
      const k0 = j * ksize;
      let p = inRow + (start[j] as number) * 3;
      let s0 = HALF;
      let s1 = HALF;
      let s2 = HALF;
      for (let t = 0; t < cnt; t++, p += 3) {
        const k = taps[k0 + t] as number;
        s0 += (src[p] as number) * k;
        s1 += (src[p + 1] as number) * k;
        s2 += (src[p + 2] as number) * k;
      }
      out[o++] = clip8(s0);
      out[o++] = clip8(s1);
      out[o++] = clip8(s2);
    }
  }
  return out;
}

/** horizontalPass with padded taps (padTaps), 4 per step. */
function horizontalPass4(src: Uint8Array, rowBytes: number, first: number, last: number, c: Coefficients): Uint8Array {
  const { start, taps, ksize } = c;
  const rw = start.length;
  const out = new Uint8Array((last - first) * rw * 3);
  let o = 0;
  for (let y = first; y < last; y++) {
    const inRow = y * rowBytes;
    for (let j = 0; j < rw; j++) {
      let p = inRow + (start[j] as number) * 3;
      let s0 = HALF;
      let s1 = HALF;
      let s2 = HALF;
      for (let t = j * ksize, end = t + ksize; t < end; t += 4, p += 12) {
        const ka = taps[t] as number;
        const kb = taps[t + 1] as number;
        const kc = taps[t + 2] as number;
        const kd = taps[t + 3] as number;
        s0 += (src[p] as number) * ka + (src[p + 3] as number) * kb + (src[p + 6] as number) * kc + (src[p + 9] as number) * kd;
        s1 += (src[p + 1] as number) * ka + (src[p + 4] as number) * kb + (src[p + 7] as number) * kc + (src[p + 10] as number) * kd;
        s2 += (src[p + 2] as number) * ka + (src[p + 5] as number) * kb + (src[p + 8] as number) * kc + (src[p + 11] as number) * kd;
      }
      out[o++] = clip8(s0);
      out[o++] = clip8(s1);
      out[o++] = clip8(s2);
    }
  }
  return out;
}

/** Pillow ImagingResampleVertical_8bpc: rows of `stride` bytes, input row 0 = source row `first`. */
function verticalPass(src: Uint8Array, stride: number, first: number, c: Coefficients): Uint8Array {
  const { start, count, taps, ksize } = c;
  const rh = start.length;
  const out = new Uint8Array(rh * stride);
  for (let i = 0; i < rh; i++) {
    const cnt = count[i] as number;
    const k0 = i * ksize;
    const base = ((start[i] as number) - first) * stride;
    const o = i * stride;
    for (let x = 0; x < stride; x++) {
      let s = HALF;
      for (let t = 0, p = base + x; t < cnt; t++, p += stride) s += (src[p] as number) * (taps[k0 + t] as number);
      out[o + x] = clip8(s);
    }
  }
  return out;
}

/** verticalPass with padded taps (padTaps), 4 rows per step into an int32 accumulator row (sums stay below 2^31). */
function verticalPass4(src: Uint8Array, stride: number, first: number, c: Coefficients): Uint8Array {
  const { start, taps, ksize } = c;
  const rh = start.length;
  const out = new Uint8Array(rh * stride);
  const acc = new Int32Array(stride);
  for (let i = 0; i < rh; i++) {
    const o = i * stride;
    for (let b = 0; b < ksize; b += 4) {
      const t = i * ksize + b;
      const ka = taps[t] as number;
      const kb = taps[t + 1] as number;
      const kc = taps[t + 2] as number;
      const kd = taps[t + 3] as number;
      const r0 = ((start[i] as number) - first + b) * stride;
      const r1 = r0 + stride;
      const r2 = r1 + stride;
      const r3 = r2 + stride;
      const init = b === 0 ? 1 : 0;
      for (let x = 0; x < stride; x++) {
        const s = (src[r0 + x] as number) * ka + (src[r1 + x] as number) * kb + (src[r2 + x] as number) * kc + (src[r3 + x] as number) * kd;
        acc[x] = init ? HALF + s : (acc[x] as number) + s;
      }
    }
    for (let x = 0; x < stride; x++) out[o + x] = clip8(acc[x] as number);
  }
  return out;
}

/** The full Pillow bilinear resize (packed RGB). */
export function resizeBilinear(img: RgbImage, outWidth: number, outHeight: number): RgbImage {
  return { data: resizeRegion(img, outWidth, outHeight, { x: 0, y: 0, width: outWidth, height: outHeight }), width: outWidth, height: outHeight };
}
