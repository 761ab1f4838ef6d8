/**
 * A stand-in encoder that needs no weights: a fixed random projection of the pixels (image resized to R x R RGB,
 * centred, times a seeded Gaussian matrix) and a hashed bag of words of the question (signed feature hashing,
 * L2-normalised). Deterministic for a seed, and keeps what a linear head can learn from the sample dataset: colours,
 * brightness, blur, coarse layout, question wording. It is an ImageTextEncoder like CLIP and ResNet-50 (registry id
 * `pixel-projection`), and `extractPixelProjection` runs it in memory over a whole split (decoding through
 * src/images, so both paths give the same features).
 */
import sharp from 'sharp';
import { Rng } from '../random/rng.js';
import type { ImageSource } from '../data/image-source.js';
import { tokenizeQuestion } from '../data/question-encoding.js';
import type { VizWizQuestion } from '../data/types.js';
import { readImage } from '../images/decode.js';
import type { RgbImage } from '../images/rgb.js';
import type { ImageTextEncoder } from '../models/encoder.js';
import type { FeatureSet } from './feature-file.js';

export interface PixelProjectionOptions {
  /** Output image-feature size (default 256). */
  imageDim?: number;
  /** Output question-feature size (default 128). */
  textDim?: number;
  /** Side of the downsampled image (default 16). */
  resolution?: number;
  /** Seed of the projection matrix (default 0). */
  seed?: number;
}

export const PIXEL_PROJECTION_DEFAULTS = { imageDim: 256, textDim: 128, resolution: 16, seed: 0 };

/** Resizes an RGB image to R x R (bicubic, aspect ratio ignored) and writes CHW floats in [-0.5, 0.5] into `out`. */
async function downsampleRgb(image: RgbImage, resolution: number, out: Float32Array): Promise<void> {
  const raw = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(resolution, resolution, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer();
  const plane = resolution * resolution;
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) out[c * plane + p] = (raw[p * 3 + c] ?? 0) / 255 - 0.5;
  }
}

/** The seeded [inputs, outputs] Gaussian projection, scaled by 1/sqrt(inputs). Row i is HWC input i. */
function projectionMatrix(inputs: number, outputs: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const m = new Float32Array(inputs * outputs);
  const scale = 1 / Math.sqrt(inputs);
  for (let i = 0; i < m.length; i++) m[i] = rng.normal() * scale;
  return m;
}

/** 32-bit FNV-1a hash of a string. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Signed hashed bag of words, L2-normalised, written into `out`. */
function hashQuestion(question: string, out: Float32Array): void {
  out.fill(0);
  for (const word of tokenizeQuestion(question)) {
    const h = fnv1a(word);
    const slot = h % out.length;
    out[slot] = (out[slot] ?? 0) + (h & 0x80000000 ? -1 : 1);
  }
  let norm = 0;
  for (const v of out) norm += v * v;
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) / Math.sqrt(norm);
}

export function createPixelProjectionEncoder(options: PixelProjectionOptions = {}): ImageTextEncoder {
  const { imageDim, textDim, resolution, seed } = { ...PIXEL_PROJECTION_DEFAULTS, ...options };
  const plane = resolution * resolution;
  const inputs = plane * 3;
  const projection = projectionMatrix(inputs, imageDim, seed);
  return {
    id: 'pixel-projection',
    imageDim,
    textDim,
    pixelsPerImage: inputs,
    metadata: { resolution: String(resolution), seed: String(seed) },
    preprocess: (image, out) => downsampleRgb(image, resolution, out),
    async encodeImages(pixels, count) {
      const result = new Float32Array(count * imageDim);
      for (let n = 0; n < count; n++) {
        const row = result.subarray(n * imageDim, (n + 1) * imageDim);
        const x = pixels.subarray(n * inputs, (n + 1) * inputs);
        for (let p = 0; p < plane; p++) {
          for (let c = 0; c < 3; c++) {
            const v = x[c * plane + p]!;
            if (v === 0) continue;
            const w = projection.subarray((p * 3 + c) * imageDim, (p * 3 + c + 1) * imageDim);
            for (let j = 0; j < imageDim; j++) row[j] = row[j]! + v * w[j]!;
          }
        }
      }
      return result;
    },
    async encodeTexts(texts) {
      const result = new Float32Array(texts.length * textDim);
      texts.forEach((t, i) => hashQuestion(t, result.subarray(i * textDim, (i + 1) * textDim)));
      return result;
    },
    async dispose() {},
  };
}

/** Features for every question, in memory; a missing or undecodable image throws an ImageFailure naming it. */
export async function extractPixelProjection(
  questions: readonly VizWizQuestion[],
  images: ImageSource,
  options: PixelProjectionOptions = {},
): Promise<FeatureSet> {
  const encoder = createPixelProjectionEncoder(options);
  const { imageDim, pixelsPerImage } = encoder;
  const textDim = encoder.textDim as number;
  const rows = questions.length;
  const image = new Float32Array(rows * imageDim);
  const pixels = new Float32Array(pixelsPerImage);
  for (let r = 0; r < rows; r++) {
    const q = questions[r]!;
    await encoder.preprocess(await readImage(images, q.image), pixels);
    image.set(await encoder.encodeImages(pixels, 1), r * imageDim);
  }
  const text = await encoder.encodeTexts!(questions.map((q) => q.question));
  return {
    image: { data: image, rows, dim: imageDim },
    text: { data: text, rows, dim: textDim },
    metadata: { encoder: 'pixel-projection', ...encoder.metadata, rows: String(rows) },
  };
}
