/**
 * The contract of a frozen image/text encoder (CLIP, ResNet-50, the pixel projection), as feature extraction and the
 * service use it: decoded images go through `preprocess`, batches of them through `encodeImages`; question text goes
 * to `encodeTexts` when the encoder has a text tower. Encoders are described as data in the registry
 * (src/features/registry.ts): architecture, default source, preprocessing, output sizes.
 */
import type { Device } from '../engine/device.js';
import type { RgbImage } from '../images/rgb.js';

export interface ImageTextEncoder {
  /** Registry id, e.g. 'clip-vit-l14-336', 'resnet50'. */
  readonly id: string;
  /** Size of one image embedding. */
  readonly imageDim: number;
  /** Size of one text embedding; undefined when the encoder has no text tower. */
  readonly textDim: number | undefined;
  /** Length of one preprocessed image (e.g. 3 * 336 * 336), the unit `encodeImages` consumes. */
  readonly pixelsPerImage: number;
  /** Resizes / crops / normalises one image into `out` (length pixelsPerImage, CHW float32). */
  preprocess(image: RgbImage, out: Float32Array): Promise<void> | void;
  /** Embeds `count` preprocessed images stored back to back; returns [count, imageDim]. */
  encodeImages(pixels: Float32Array, count: number): Promise<Float32Array>;
  /** Embeds texts; returns [texts.length, textDim]. Only when textDim is defined. */
  encodeTexts?(texts: readonly string[]): Promise<Float32Array>;
  /**
   * Optional string facts that determine this encoder's outputs beyond its id and sizes (source, commit,
   * architecture settings, preprocessing). Extraction stores them in the feature file and includes them in the
   * resumption fingerprint, so parts made by a different encoder are never mixed in.
   */
  readonly metadata?: Readonly<Record<string, string>>;
  dispose(): Promise<void>;
}

export interface EncoderLoadOptions {
  device?: Device;
  threads?: number;
}
