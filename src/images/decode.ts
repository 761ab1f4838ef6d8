/**
 * Image decoding with sharp (libvips) into the encoders' input, an 8-bit RGB `RgbImage`:
 * - EXIF orientation is applied (a phone photo stored sideways comes out upright);
 * - grayscale, CMYK (through libvips' ICC transform), palette and 16-bit images become 8-bit sRGB;
 * - an alpha channel is dropped, keeping the colour underneath (as PIL's `convert('RGB')` does, which the reference
 *   CLIP and torchvision pipelines use);
 * - huge images are shrunk while loading so that neither side exceeds `maxSide` (default 4096; JPEGs use libjpeg's
 *   DCT-domain shrink-on-load, other formats stream through the resize), so a 12000 x 9000 photo costs at most
 *   4096 x 3072 x 3 = 38 MB instead of 324 MB. Encoders resize to 224-336 pixels, so this barely changes features;
 *   pass `maxSide: Infinity` for full resolution. `limitInputPixels` is raised to 2^30 pixels so such photos are
 *   accepted at all; tiny images (1 x 1) pass through unchanged.
 * Decoding runs on libuv's thread pool, so several images decode in parallel while JavaScript does other work.
 * A truncated or corrupt file is an ImageFailure naming the image (failOn 'truncated': harmless libjpeg warnings such
 * as extraneous bytes are tolerated, as PIL tolerates them, but a file cut short is not).
 */
import sharp from 'sharp';
import type { ImageSource } from '../data/image-source.js';
import { VizWizError } from '../errors.js';
import type { RgbImage } from './rgb.js';
import { ImageFailure, oneLineReason } from './failure.js';

export interface DecodeOptions {
  /** Largest width or height after decoding (default 4096); larger images are shrunk keeping their aspect ratio. */
  maxSide?: number;
}

const DEFAULT_MAX_SIDE = 4096;
const MAX_INPUT_PIXELS = 2 ** 30;

/** Decodes encoded image bytes (JPEG, PNG, WebP, TIFF, GIF, AVIF...) to 8-bit RGB. Throws ImageFailure('corrupt'). */
export async function decodeImage(bytes: Uint8Array, name: string, options: DecodeOptions = {}): Promise<RgbImage> {
  const maxSide = options.maxSide ?? DEFAULT_MAX_SIDE;
  try {
    let pipeline = sharp(bytes, { failOn: 'truncated', limitInputPixels: MAX_INPUT_PIXELS }).rotate();
    if (Number.isFinite(maxSide)) {
      pipeline = pipeline.resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true });
    }
    const { data, info } = await pipeline.toColourspace('srgb').removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
      throw new Error(`decoded to ${info.channels} channels, expected 3`);
    }
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (err) {
    throw new ImageFailure(name, 'corrupt', oneLineReason(err), { cause: err });
  }
}

/**
 * Reads `name` from the source and decodes it. A missing image is ImageFailure('missing'), a corrupt zip entry is
 * ImageFailure('corrupt'); other read errors (permissions, I/O) are not about one image and propagate unchanged.
 */
export async function readImage(source: ImageSource, name: string, options: DecodeOptions = {}): Promise<RgbImage> {
  let bytes: Buffer;
  try {
    bytes = await source.read(name);
  } catch (err) {
    if (err instanceof VizWizError && err.code === 'MISSING_IMAGE') {
      throw new ImageFailure(name, 'missing', `not found in ${source.location}`, { cause: err });
    }
    if (err instanceof VizWizError && err.code === 'INVALID_ARCHIVE' && err.message.includes(`${name}" is corrupt`)) {
      throw new ImageFailure(name, 'corrupt', oneLineReason(err), { cause: err });
    }
    throw err;
  }
  return decodeImage(bytes, name, options);
}
