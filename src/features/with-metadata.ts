/**
 * Adds metadata to an encoder without touching it: a delegating ImageTextEncoder whose `metadata` is the encoder's
 * own merged with what the caller knows (registry id, model source, resolved commit, overrides). Works for class
 * instances, whose methods live on the prototype and would be lost by an object spread.
 */
import type { ImageTextEncoder } from '../models/encoder.js';

export function withMetadata(encoder: ImageTextEncoder, extra: Readonly<Record<string, string>>): ImageTextEncoder {
  const wrapped: ImageTextEncoder = {
    id: encoder.id,
    imageDim: encoder.imageDim,
    textDim: encoder.textDim,
    pixelsPerImage: encoder.pixelsPerImage,
    metadata: { ...extra, ...encoder.metadata },
    preprocess: (image, out) => encoder.preprocess(image, out),
    encodeImages: (pixels, count) => encoder.encodeImages(pixels, count),
    dispose: () => encoder.dispose(),
  };
  if (encoder.encodeTexts) wrapped.encodeTexts = (texts) => encoder.encodeTexts!(texts);
  return wrapped;
}
