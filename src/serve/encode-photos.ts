/** Image features of decoded photos with any encoder: each photo preprocessed into its slot, then one encoder call. */
import type { ImageTextEncoder, RgbImage } from '../features/encoder.js';

/** [photos, encoder.imageDim] features. */
export async function encodePhotos(encoder: ImageTextEncoder, photos: readonly RgbImage[]): Promise<Float32Array> {
  const size = encoder.pixelsPerImage;
  const pixels = new Float32Array(photos.length * size);
  await Promise.all(photos.map((p, i) => encoder.preprocess(p, pixels.subarray(i * size, (i + 1) * size))));
  return encoder.encodeImages(pixels, photos.length);
}
