/**
 * A stand-in encoder until the real CLIP and ResNet encoders land: a fixed random projection of the pixels
 * (image downsampled to R x R RGB, centred, times a seeded Gaussian matrix) and a hashed bag of words of the
 * question (signed feature hashing, L2-normalised). Deterministic for a seed, needs no weights, and keeps what a
 * linear head can learn from the sample dataset: colours, brightness, blur, coarse layout, question wording.
 */
import sharp from 'sharp';
import { VizWizError } from '../errors.js';
import { Rng } from '../engine/rng.js';
import type { ImageSource } from '../data/image-source.js';
import { tokenizeQuestion } from '../data/question-encoding.js';
import type { VizWizQuestion } from '../data/types.js';
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

/** Decodes an image (EXIF-rotated, any colour space) to R x R RGB floats in [-0.5, 0.5]. */
export async function downsample(bytes: Buffer, resolution: number, name: string): Promise<Float32Array> {
  let raw: Buffer;
  try {
    raw = await sharp(bytes)
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .resize(resolution, resolution, { fit: 'fill', kernel: 'cubic' })
      .raw()
      .toBuffer();
  } catch (err) {
    throw new VizWizError('INVALID_FEATURES', `image ${name} cannot be decoded (${(err as Error).message})`, {
      cause: err,
    });
  }
  const out = new Float32Array(resolution * resolution * 3);
  for (let i = 0; i < out.length; i++) out[i] = (raw[i] ?? 0) / 255 - 0.5;
  return out;
}

/** The seeded [inputs, outputs] Gaussian projection, scaled by 1/sqrt(inputs). */
export function projectionMatrix(inputs: number, outputs: number, seed: number): Float32Array {
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
export function hashQuestion(question: string, out: Float32Array): void {
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

export async function extractPixelProjection(
  questions: readonly VizWizQuestion[],
  images: ImageSource,
  options: PixelProjectionOptions = {},
): Promise<FeatureSet> {
  const { imageDim, textDim, resolution, seed } = { ...PIXEL_PROJECTION_DEFAULTS, ...options };
  const inputs = resolution * resolution * 3;
  const projection = projectionMatrix(inputs, imageDim, seed);
  const rows = questions.length;
  const image = new Float32Array(rows * imageDim);
  const text = new Float32Array(rows * textDim);
  for (let r = 0; r < rows; r++) {
    const q = questions[r]!;
    const pixels = await downsample(await images.read(q.image), resolution, q.image);
    const row = image.subarray(r * imageDim, (r + 1) * imageDim);
    for (let i = 0; i < inputs; i++) {
      const p = pixels[i]!;
      if (p === 0) continue;
      const w = projection.subarray(i * imageDim, (i + 1) * imageDim);
      for (let j = 0; j < imageDim; j++) row[j] = row[j]! + p * w[j]!;
    }
    hashQuestion(q.question, text.subarray(r * textDim, (r + 1) * textDim));
  }
  return {
    image: { data: image, rows, dim: imageDim },
    text: { data: text, rows, dim: textDim },
    metadata: {
      encoder: 'pixel-projection',
      resolution: String(resolution),
      seed: String(seed),
      rows: String(rows),
    },
  };
}
