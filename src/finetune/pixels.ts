/**
 * Images as PaliGemma sees them: read from an image source (folder or zip), decoded (src/images/decode.ts) and
 * SigLIP-preprocessed to (3, S, S) float32. Preprocessed images are kept in memory up to a byte budget (default
 * 512 MB: the whole sample dataset, ~850 VizWiz images at 224 px) so epochs after the first skip decoding; beyond it
 * images are decoded again when needed. A missing or corrupt image is an error naming it (ImageFailure).
 */

import type { ImageSource } from '../data/image-source.js';
import { readImage } from '../images/decode.js';
import { siglipPreprocess } from '../models/siglip/preprocess.js';

const DEFAULT_PIXEL_BUDGET = 512 * 1024 * 1024;

export class PixelLoader {
  private readonly cache = new Map<string, Float32Array>();
  private cachedBytes = 0;

  constructor(
    readonly source: ImageSource,
    /** SigLIP image size S. */
    readonly size: number,
    private readonly budgetBytes = DEFAULT_PIXEL_BUDGET,
  ) {}

  /** The preprocessed image (3 x S x S). */
  async get(name: string): Promise<Float32Array> {
    const hit = this.cache.get(name);
    if (hit) return hit;
    const pixels = siglipPreprocess(await readImage(this.source, name), this.size);
    if (this.cachedBytes + pixels.byteLength <= this.budgetBytes) {
      this.cache.set(name, pixels);
      this.cachedBytes += pixels.byteLength;
    }
    return pixels;
  }

  /** Several images, decoded concurrently (libvips works on the thread pool). */
  async many(names: readonly string[]): Promise<Float32Array[]> {
    return Promise.all(names.map((n) => this.get(n)));
  }
}
