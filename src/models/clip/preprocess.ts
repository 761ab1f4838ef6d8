/**
 * CLIP's image preprocessing, as transformers' CLIPImageProcessor does it for openai/clip-vit-large-patch14-336:
 * resize the short side to `resize` with Pillow-exact bicubic (long side = int(resize * long / short)), centre crop
 * `crop` x `crop` (top = (h - crop) // 2), scale to [0, 1] (float64 multiply by 1/255, rounded to float32), normalise
 * ((x - mean) / std in float32), channels first. Values match transformers' pixel_values bit for bit. Only the crop
 * window of the resize is computed (the resampler's region), which is what the crop would keep.
 */

import type { RgbImage } from '../../images/rgb.js';
import { pilResize, type Region } from '../../images/resample/pil-resize.js';

export interface ClipPreprocessConfig {
  resize: number; // short side after resizing: 336
  crop: number; // output side: 336 (the model's image_size)
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

export function clipPreprocessConfig(imageSize: number): ClipPreprocessConfig {
  return { resize: imageSize, crop: imageSize, mean: CLIP_MEAN, std: CLIP_STD };
}

/** Size after resizing the short side to `short` (transformers' get_resize_output_image_size, default_to_square=False). */
export function shortSideSize(width: number, height: number, short: number): { width: number; height: number } {
  if (width <= height) return { width: short, height: Math.trunc((short * height) / width) };
  return { width: Math.trunc((short * width) / height), height: short };
}

/** The centre `size` x `size` window of a width x height image at least that large (top = (height - size) // 2). */
function centerWindow(width: number, height: number, size: number): Region {
  if (width < size || height < size) throw new Error(`cannot crop ${size}x${size} from a ${width}x${height} image`);
  return { x: Math.floor((width - size) / 2), y: Math.floor((height - size) / 2), width: size, height: size };
}

/** Crops the centre `size` x `size` of an image at least that large. */
export function centerCrop(image: RgbImage, size: number): RgbImage {
  const { x: left, y: top } = centerWindow(image.width, image.height, size);
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const from = ((top + y) * image.width + left) * 3;
    data.set(image.data.subarray(from, from + size * 3), y * size * 3);
  }
  return { data, width: size, height: size };
}

/** HWC uint8 -> CHW float32 ((x / 255 - mean) / std) into `out` (length 3 * w * h). */
export function normalizeToChw(image: RgbImage, out: Float32Array, mean: readonly number[], std: readonly number[]): void {
  const plane = image.width * image.height;
  if (out.length !== 3 * plane) throw new Error(`output has ${out.length} values, expected ${3 * plane}`);
  for (let c = 0; c < 3; c++) {
    const m = Math.fround(mean[c] as number);
    const s = Math.fround(std[c] as number);
    for (let i = 0; i < plane; i++) {
      const x = Math.fround((image.data[i * 3 + c] as number) * (1 / 255));
      out[c * plane + i] = Math.fround(x - m) / s;
    }
  }
}

/** The whole pipeline: `out` receives 3 x crop x crop values. */
export function clipPreprocess(image: RgbImage, out: Float32Array, c: ClipPreprocessConfig): void {
  if (image.data.length !== image.width * image.height * 3) {
    throw new Error(`RGB image ${image.width}x${image.height} needs ${image.width * image.height * 3} bytes, got ${image.data.length}`);
  }
  const size = shortSideSize(image.width, image.height, c.resize);
  const crop = pilResize(image, { ...size, filter: 'bicubic', region: centerWindow(size.width, size.height, c.crop) });
  normalizeToChw(crop, out, c.mean, c.std);
}
