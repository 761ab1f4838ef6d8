/**
 * A photo as a request brings it: bytes from a multipart upload, base64 in JSON, or a data: URL. It is checked
 * against the limits before any decoding work (size, then the format and pixel count from the header alone, which
 * sharp reads without decoding), then decoded to RGB in memory (src/images/decode.ts). Nothing is written anywhere:
 * the bytes and pixels live until the answer is sent.
 */
import sharp, { type Metadata } from 'sharp';
import { decodeImage } from '../images/decode.js';
import type { RgbImage } from '../images/rgb.js';
import { HttpError } from './http-error.js';
import { megabytes, type ServeLimits } from './limits.js';

/** Formats sharp can read that phones and browsers produce. */
const ACCEPTED_FORMATS: Readonly<Record<string, string>> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  gif: 'GIF',
  heif: 'AVIF',
  tiff: 'TIFF',
};
const ACCEPTED_LIST = [...new Set(Object.values(ACCEPTED_FORMATS))].join(', ');

function notAnImage(what: string): HttpError {
  return new HttpError(415, 'unsupported_media_type', `${what} is not a photo in a supported format (${ACCEPTED_LIST}); send a photo`, undefined, 'image');
}

/** 413 for a photo of `bytes` (undefined: an upload cut off at the limit, its size unknown). */
export function tooLarge(bytes: number | undefined, limits: ServeLimits): HttpError {
  const size = bytes === undefined ? 'over the limit' : megabytes(bytes);
  return new HttpError(
    413,
    'upload_too_large',
    `the photo is ${size}; the limit is ${megabytes(limits.maxImageBytes)}. Send a smaller photo`,
    undefined,
    'image',
  );
}

/** "9216", "12.2 million". */
function pixelCount(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} million` : String(n);
}

/** Checks size, format and pixel count, then decodes. */
export async function readPhoto(bytes: Uint8Array, limits: ServeLimits, what = 'the upload'): Promise<RgbImage> {
  if (bytes.length === 0) throw new HttpError(422, 'missing_image', `${what} is empty; attach a photo`, undefined, 'image');
  if (bytes.length > limits.maxImageBytes) throw tooLarge(bytes.length, limits);
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw notAnImage(what);
  }
  if (!meta.format || !(meta.format in ACCEPTED_FORMATS)) throw notAnImage(what);
  const pixels = (meta.width ?? 0) * (meta.height ?? 0);
  if (pixels > limits.maxPixels) {
    throw new HttpError(
      422,
      'too_many_pixels',
      `the photo is ${meta.width} x ${meta.height} = ${pixelCount(pixels)} pixels; the limit is ${pixelCount(limits.maxPixels)}. Send a smaller photo`,
      undefined,
      'image',
    );
  }
  try {
    return await decodeImage(bytes, 'photo');
  } catch {
    throw new HttpError(
      422,
      'undecodable_image',
      `the ${ACCEPTED_FORMATS[meta.format]} photo could not be decoded (the file is damaged or cut short); take or send it again`,
      undefined,
      'image',
    );
  }
}

const DATA_URL = /^data:([^;,]*)((?:;[^;,=]+=[^;,]*)*)(;base64)?,(.*)$/su;

/** The bytes of a data: URL (base64 or percent-encoded). */
export function dataUrlBytes(url: string, limits: ServeLimits): Uint8Array {
  const m = DATA_URL.exec(url);
  if (!m)
    throw new HttpError(422, 'unsupported_image_url', 'the image URL is not a valid data: URL (expected data:image/...;base64,...)', undefined, 'image_url');
  const payload = m[4] ?? '';
  return m[3] ? base64Bytes(payload, limits, 'image_url') : new Uint8Array(Buffer.from(decodeURIComponent(payload), 'latin1'));
}

/** Decodes base64 after checking that the result can be within the size limit (no decoding of huge strings). */
export function base64Bytes(text: string, limits: ServeLimits, param: string): Uint8Array {
  const clean = text.replace(/\s+/gu, '');
  const estimated = Math.floor((clean.length * 3) / 4);
  if (estimated > limits.maxImageBytes + 2) throw tooLarge(estimated, limits);
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/u.test(clean)) throw new HttpError(422, 'invalid_request', `${param} is not valid base64`, undefined, param);
  return new Uint8Array(Buffer.from(clean, 'base64'));
}
