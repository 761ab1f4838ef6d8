/**
 * SigLIP's image preprocessing, as transformers' SiglipImageProcessor does it (and so PaliGemma's processor): resize
 * to image_size x image_size with Pillow-exact bicubic (no aspect-preserving step, no crop), scale to [0, 1], normalise
 * with mean 0.5 / std 0.5 to [-1, 1], channels first. The resampler is the images layer's; the float32 rounding is CLIP's.
 */

import type { RgbImage } from '../../images/rgb.js';
import { pilResize } from '../../images/resample/pil-resize.js';
import { normalizeToChw } from '../clip/preprocess.js';

const SIGLIP_MEAN = [0.5, 0.5, 0.5] as const;
const SIGLIP_STD = [0.5, 0.5, 0.5] as const;

/** One image -> `out` (3 x size x size, CHW float32); `out` defaults to a new array. */
export function siglipPreprocess(image: RgbImage, size: number, out = new Float32Array(3 * size * size)): Float32Array {
  if (image.data.length !== image.width * image.height * 3) {
    throw new Error(`image data has ${image.data.length} bytes, expected ${image.width} x ${image.height} x 3`);
  }
  const resized = image.width === size && image.height === size ? image : pilResize(image, { width: size, height: size, filter: 'bicubic' });
  normalizeToChw(resized, out, SIGLIP_MEAN, SIGLIP_STD);
  return out;
}
