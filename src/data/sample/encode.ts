/**
 * Encodes a rendered scene to JPEG with sharp: raw RGB in, optional Gaussian blur (the "shaky hands"
 * degradation), JPEG out. sharp/libjpeg are deterministic, so equal scenes give byte-identical files.
 */

import sharp from 'sharp';
import { renderScene, type Scene } from './scene.js';

/** sharp rejects blur sigmas below this. */
const MIN_BLUR_SIGMA = 0.3;

/** Renders and encodes one scene to a JPEG buffer. */
export async function encodeScene(scene: Scene): Promise<Buffer> {
  const raw = renderScene(scene).toBuffer();
  let image = sharp(raw, { raw: { width: scene.size, height: scene.size, channels: 3 } });
  if (scene.capture.blurSigma >= MIN_BLUR_SIGMA) image = image.blur(scene.capture.blurSigma);
  return image.jpeg({ quality: scene.capture.quality }).toBuffer();
}
