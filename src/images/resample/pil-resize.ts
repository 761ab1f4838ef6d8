/**
 * Pillow's Image.resize on 8-bit RGB, bit for bit (Resample.c as Pillow 9-11 run it, reducing_gap=None as torchvision
 * and transformers call it), for any of Pillow's filters (filters.ts): a horizontal pass, then a vertical pass, each
 * rounding and clamping to 8 bits. Written here rather than using sharp/libvips, whose reducers differ from Pillow's
 * by a grey level here and there, so features match those extracted by the Python reference pipelines.
 *
 * `region` computes only a window of the resized image (a centre crop, say): every output pixel depends only on its
 * own taps, so the window equals the same window of the full resize, and rows and columns outside it cost nothing.
 */

import type { RgbImage } from '../rgb.js';
import { PIL_FILTERS, type PilFilter } from './filters.js';
import { horizontalPass, verticalPass } from './passes.js';
import { filterTaps } from './taps.js';

/** A window of the resized image, in its pixel coordinates. */
export interface Region {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface PilResizeOptions {
  /** Width of the resized image. */
  readonly width: number;
  /** Height of the resized image. */
  readonly height: number;
  /** Pillow's resampling filter, by its lower-case name. */
  readonly filter: PilFilter;
  /** The window of the resized image to compute; the whole image by default. */
  readonly region?: Region;
}

/** Resizes `image` as Pillow's `image.resize((width, height), filter)` and returns `region` of the result. */
export function pilResize(image: RgbImage, options: PilResizeOptions): RgbImage {
  const { width, height, filter } = options;
  const region = options.region ?? { x: 0, y: 0, width, height };
  checkGeometry(image, options, region);
  if (width === image.width && height === image.height) return crop(image, region);
  const kernel = PIL_FILTERS[filter];
  const columns = filterTaps(kernel, image.width, width, region.x, region.x + region.width);
  const rows = filterTaps(kernel, image.height, height, region.y, region.y + region.height);
  // Input rows the vertical pass reads: [first, last) (window starts are non-decreasing).
  const first = rows.start[0] as number;
  const last = (rows.start[region.height - 1] as number) + rows.width;
  const tmp = horizontalPass(image.data, image.width, image.height, first, last, columns); // (last - first) x region.width
  return { data: verticalPass(tmp, region.width * 3, first, rows), width: region.width, height: region.height };
}

function checkGeometry(image: RgbImage, o: PilResizeOptions, r: Region): void {
  if (!(Number.isInteger(o.width) && Number.isInteger(o.height) && o.width >= 1 && o.height >= 1)) {
    throw new Error(`resize target ${o.width}x${o.height} is not a positive whole size`);
  }
  if (!(image.width >= 1 && image.height >= 1 && image.data.length === image.width * image.height * 3)) {
    throw new Error(`RGB image ${image.width}x${image.height} needs ${image.width * image.height * 3} bytes, got ${image.data.length}`);
  }
  const inside = [r.x, r.y, r.width, r.height].every(Number.isInteger) && r.x >= 0 && r.y >= 0 && r.width >= 1 && r.height >= 1;
  if (!inside || r.x + r.width > o.width || r.y + r.height > o.height) {
    throw new Error(`resize region ${r.width}x${r.height} at (${r.x}, ${r.y}) is not a non-empty window of the ${o.width}x${o.height} result`);
  }
}

/** `region` of an image that needs no resizing (Pillow returns a copy). */
function crop(image: RgbImage, r: Region): RgbImage {
  const data = new Uint8Array(r.width * r.height * 3);
  for (let y = 0; y < r.height; y++) {
    const from = ((r.y + y) * image.width + r.x) * 3;
    data.set(image.data.subarray(from, from + r.width * 3), y * r.width * 3);
  }
  return { data, width: r.width, height: r.height };
}
