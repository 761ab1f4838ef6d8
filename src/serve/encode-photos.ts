/**
 * Image features of decoded photos with any encoder, in two steps that the service runs at different times: each
 * photo's preprocessing (resize, crop, normalise: per request, as it arrives, while the previous batch is in the
 * model) and one encoder call for the batch. A photo not preprocessed beforehand is preprocessed in the batch.
 */
import type { RgbImage } from '../images/rgb.js';
import type { ImageTextEncoder } from '../models/encoder.js';

/** One photo as `encoder` takes it (encoder.pixelsPerImage values). */
export async function preprocessPhoto(encoder: ImageTextEncoder, photo: RgbImage): Promise<Float32Array> {
  const out = new Float32Array(encoder.pixelsPerImage);
  await encoder.preprocess(photo, out);
  return out;
}

/** [photos, encoder.imageDim] features; `prepared[i]`, when given, is photo i already preprocessed. */
export async function encodePhotos(
  encoder: ImageTextEncoder,
  photos: readonly RgbImage[],
  prepared: readonly (Float32Array | undefined)[] = [],
): Promise<Float32Array> {
  const size = encoder.pixelsPerImage;
  const pixels = new Float32Array(photos.length * size);
  await Promise.all(
    photos.map(async (photo, i) => {
      const slot = pixels.subarray(i * size, (i + 1) * size);
      const ready = prepared[i];
      if (ready) slot.set(ready);
      else await encoder.preprocess(photo, slot);
    }),
  );
  return encoder.encodeImages(pixels, photos.length);
}
