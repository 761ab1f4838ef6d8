/**
 * Bicubic resampling of 8-bit RGB images, bit for bit as Pillow's Image.resize(size, BICUBIC) (libImaging/Resample.c,
 * Pillow 9/10, reducing_gap=None as transformers calls it): a separable filter, horizontal pass first, the Keys cubic
 * with a = -0.5 stretched by the scale when downsampling (antialiasing), coefficients normalised to sum 1 and then
 * rounded to 22-bit fixed point, each pass rounding and clamping to 8 bits. So CLIP features computed here see the
 * same pixels as transformers' CLIPImageProcessor.
 */

import type { RgbImage } from '../../images/rgb.js';

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);
const SUPPORT = 2; // bicubic filter support

function bicubic(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

interface Coefficients {
  ksize: number;
  /** Per output pixel: first input index and tap count. */
  bounds: Int32Array;
  /** Per output pixel: ksize fixed-point weights. */
  weights: Int32Array;
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for a full-range box. */
function coefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = SUPPORT * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterscale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = bicubic((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? (k[x] as number) / ww : (k[x] as number);
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, weights };
}

function clip8(acc: number): number {
  const v = Math.floor(acc / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Resizes along x: rows [rowStart, rowEnd) of `src` (width w) to width `outW`. */
function horizontal(src: Uint8Array, w: number, rowStart: number, rowEnd: number, outW: number): Uint8Array {
  const c = coefficients(w, outW);
  const out = new Uint8Array((rowEnd - rowStart) * outW * 3);
  for (let y = rowStart; y < rowEnd; y++) {
    const rowIn = y * w * 3;
    const rowOut = (y - rowStart) * outW * 3;
    for (let xx = 0; xx < outW; xx++) {
      const xmin = c.bounds[xx * 2] as number;
      const xmax = c.bounds[xx * 2 + 1] as number;
      const kOff = xx * c.ksize;
      let r = HALF;
      let g = HALF;
      let b = HALF;
      for (let x = 0; x < xmax; x++) {
        const kw = c.weights[kOff + x] as number;
        const p = rowIn + (x + xmin) * 3;
        r += (src[p] as number) * kw;
        g += (src[p + 1] as number) * kw;
        b += (src[p + 2] as number) * kw;
      }
      out[rowOut + xx * 3] = clip8(r);
      out[rowOut + xx * 3 + 1] = clip8(g);
      out[rowOut + xx * 3 + 2] = clip8(b);
    }
  }
  return out;
}

/** Resizes along y with precomputed coefficients whose bounds are relative to row `rowStart` of `src` (width w). */
function vertical(src: Uint8Array, w: number, c: Coefficients, rowStart: number, outH: number): Uint8Array {
  const out = new Uint8Array(outH * w * 3);
  const rowLen = w * 3;
  for (let yy = 0; yy < outH; yy++) {
    const ymin = (c.bounds[yy * 2] as number) - rowStart;
    const ymax = c.bounds[yy * 2 + 1] as number;
    const kOff = yy * c.ksize;
    for (let i = 0; i < rowLen; i++) {
      let acc = HALF;
      for (let y = 0; y < ymax; y++) acc += (src[(y + ymin) * rowLen + i] as number) * (c.weights[kOff + y] as number);
      out[yy * rowLen + i] = clip8(acc);
    }
  }
  return out;
}

/** Pillow-exact bicubic resize of an RGB image to width x height. */
export function resizeBicubic(image: RgbImage, width: number, height: number): RgbImage {
  if (width < 1 || height < 1) throw new Error(`resize target ${width}x${height} is empty`);
  const needH = width !== image.width;
  const needV = height !== image.height;
  let data = image.data;
  if (!needV) return { data: needH ? horizontal(data, image.width, 0, image.height, width) : data, width, height };
  const cv = coefficients(image.height, height);
  // Only the source rows the vertical pass reads need the horizontal pass.
  const first = cv.bounds[0] as number;
  const last = (cv.bounds[height * 2 - 2] as number) + (cv.bounds[height * 2 - 1] as number);
  let rowStart = 0;
  if (needH) {
    data = horizontal(data, image.width, first, last, width);
    rowStart = first;
  }
  return { data: vertical(data, width, cv, rowStart, height), width, height };
}
