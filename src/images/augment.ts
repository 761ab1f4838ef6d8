/**
 * Image augmentation for the seed report's ablation (Deuser et al. trained with rotation augmentation; the seed
 * report found that features of augmented images lowered accuracy). `RotatedImageSource` wraps an image source and
 * returns each image rotated by a seeded angle in [-maxDegrees, maxDegrees] that depends only on the image name and
 * the seed, so extraction stays deterministic and resumable.
 */
import sharp from 'sharp';
import type { ImageSource } from '../data/image-source.js';

/** The rotation of `name` in degrees: a hash of (seed, name) mapped to [-max, max]. */
function rotationFor(name: string, seed: number, maxDegrees: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return ((h / 0xffffffff) * 2 - 1) * maxDegrees;
}

export class RotatedImageSource implements ImageSource {
  constructor(
    private readonly inner: ImageSource,
    private readonly seed: number,
    private readonly maxDegrees = 30,
  ) {}

  get location(): string {
    return `${this.inner.location} (rotated up to ${this.maxDegrees} degrees, seed ${this.seed})`;
  }

  has(name: string): Promise<boolean> {
    return this.inner.has(name);
  }

  async read(name: string): Promise<Buffer> {
    const bytes = await this.inner.read(name);
    const angle = rotationFor(name, this.seed, this.maxDegrees);
    return sharp(bytes)
      .autoOrient()
      .rotate(angle, { background: { r: 0, g: 0, b: 0 } })
      .jpeg({ quality: 95 })
      .toBuffer();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
