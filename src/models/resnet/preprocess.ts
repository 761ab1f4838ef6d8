/**
 * ImageNet preprocessing as torchvision's eval transform on a PIL image:
 *   Resize(256) (short side to 256, long side int(256 * long / short), PIL bilinear) -> CenterCrop(224)
 *   (offsets int(round((size - 224) / 2)), Python's half-to-even round) -> ToTensor (/ 255) ->
 *   Normalize(mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225)), CHW float32.
 * The arithmetic is float32 step by step as torch does it: x = f32(f32(v / 255) - mean) / std. Only the cropped
 * window of the resize is computed (the resampler's region). Images smaller than the crop after resizing are padded
 * with black (byte 0) as CenterCrop does (only possible with crop > resize).
 */

import type { RgbImage } from '../../images/rgb.js';
import { pilResize } from '../../images/resample/pil-resize.js';

export interface ImagenetPreprocess {
  /** Short side after resizing: 256. */
  readonly resize: number;
  /** Centre crop side: 224. */
  readonly crop: number;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

export const IMAGENET_PREPROCESS: ImagenetPreprocess = { resize: 256, crop: 224, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** torchvision _compute_resized_output_size for an int size: [width, height]. */
export function resizedSize(width: number, height: number, shortSide: number): [number, number] {
  const [short, long] = width <= height ? [width, height] : [height, width];
  const newLong = Math.trunc((shortSide * long) / short);
  return width <= height ? [shortSide, newLong] : [newLong, shortSide];
}

/** Python round() (half to even) for the crop offsets. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** torchvision center_crop offset along one axis: int(round((size - crop) / 2)), or minus the left/top padding
 * (crop - size) // 2 when the image is smaller than the crop. */
export function cropOffset(size: number, crop: number): number {
  return size < crop ? -Math.floor((crop - size) / 2) : roundHalfEven((size - crop) / 2);
}

/** Preprocesses `img` into `out` (3 * crop * crop floats, CHW). */
export function preprocessImagenet(img: RgbImage, out: Float32Array, p: ImagenetPreprocess = IMAGENET_PREPROCESS): void {
  const n = p.crop * p.crop;
  if (out.length !== 3 * n) throw new Error(`preprocess: output has ${out.length} floats, expected ${3 * n}`);
  if (img.data.length !== img.width * img.height * 3)
    throw new Error(`preprocess: ${img.width}x${img.height} RGB needs ${img.width * img.height * 3} bytes, got ${img.data.length}`);
  const [w, h] = resizedSize(img.width, img.height, p.resize);
  // Crop window in resized coordinates, clipped to the image; the rest is CenterCrop's padding.
  const left = cropOffset(w, p.crop);
  const top = cropOffset(h, p.crop);
  const x0 = Math.max(0, left);
  const y0 = Math.max(0, top);
  const x1 = Math.min(w, left + p.crop);
  const y1 = Math.min(h, top + p.crop);
  const rgb = pilResize(img, { width: w, height: h, filter: 'bilinear', region: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } }).data;
  const lut = channelTables(p);
  if (x1 - x0 !== p.crop || y1 - y0 !== p.crop) {
    // CenterCrop pads the PIL image with black (byte 0) before ToTensor and Normalize.
    for (let c = 0; c < 3; c++) out.fill((lut[c] as Float32Array)[0] as number, c * n, (c + 1) * n);
  }
  const rw = x1 - x0;
  for (let y = y0; y < y1; y++) {
    const row = (y - top) * p.crop - left;
    for (let x = x0; x < x1; x++) {
      const s = ((y - y0) * rw + (x - x0)) * 3;
      const d = row + x;
      out[d] = (lut[0] as Float32Array)[rgb[s] as number] as number;
      out[n + d] = (lut[1] as Float32Array)[rgb[s + 1] as number] as number;
      out[2 * n + d] = (lut[2] as Float32Array)[rgb[s + 2] as number] as number;
    }
  }
}

const tables = new WeakMap<ImagenetPreprocess, Float32Array[]>();

/** Per channel, the normalised float32 value of each byte 0..255. */
function channelTables(p: ImagenetPreprocess): Float32Array[] {
  let t = tables.get(p);
  if (!t) {
    t = [0, 1, 2].map((c) => {
      const mean = Math.fround(p.mean[c] as number);
      const std = Math.fround(p.std[c] as number);
      const lut = new Float32Array(256);
      for (let v = 0; v < 256; v++) lut[v] = Math.fround(Math.fround(v / 255) - mean) / std;
      return lut;
    });
    tables.set(p, t);
  }
  return t;
}
