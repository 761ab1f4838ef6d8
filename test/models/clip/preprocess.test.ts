/**
 * CLIP preprocessing against Pillow and transformers' arithmetic (test/fixtures/clip/preprocess, made by
 * make_preprocess.py there with Pillow 9.4): the whole pipeline (short side, centre crop, rescale, normalise, CHW) equal
 * value for value, on a wide and a tall image; plus hand-checked crop/normalise arithmetic on a 4x2 image. (The
 * fixture's plain Pillow BICUBIC resizes are the resampler's own tests, in test/images/pil-resize.test.ts.)
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RgbImage } from '../../../src/images/rgb.js';
import { centerCrop, clipPreprocess, clipPreprocessConfig, CLIP_MEAN, CLIP_STD, normalizeToChw, shortSideSize } from '../../../src/models/clip/preprocess.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'clip', 'preprocess');

interface Expected {
  width: number;
  height: number;
  image: number[];
  clip: { size: number; data: number[] }[];
  clip_tall: { size: number; data: number[] };
}

const e = JSON.parse(await readFile(path.join(dir, 'expected.json'), 'utf8')) as Expected;
const image: RgbImage = { data: Uint8Array.from(e.image), width: e.width, height: e.height };

test('the full pipeline equals transformers CLIPImageProcessor arithmetic', () => {
  for (const c of e.clip) {
    const out = new Float32Array(3 * c.size * c.size);
    clipPreprocess(image, out, clipPreprocessConfig(c.size));
    assert.deepEqual([...out], c.data, `size ${c.size}`);
  }
  const tall: RgbImage = { data: new Uint8Array(image.data.length), width: e.height, height: e.width };
  for (let y = 0; y < e.height; y++)
    for (let x = 0; x < e.width; x++) for (let k = 0; k < 3; k++) tall.data[(x * e.height + y) * 3 + k] = image.data[(y * e.width + x) * 3 + k]!;
  const out = new Float32Array(3 * 9 * 9);
  clipPreprocess(tall, out, clipPreprocessConfig(9));
  assert.deepEqual([...out], e.clip_tall.data);
});

test('a crop larger than the resized short side is refused, naming both sizes', () => {
  const out = new Float32Array(3 * 20 * 20);
  assert.throws(() => clipPreprocess(image, out, { ...clipPreprocessConfig(16), crop: 20 }), { message: 'cannot crop 20x20 from a 25x16 image' });
});

test('short-side sizes truncate the long side as transformers does', () => {
  assert.deepEqual(shortSideSize(640, 480, 336), { width: 448, height: 336 });
  assert.deepEqual(shortSideSize(480, 640, 336), { width: 336, height: 448 });
  assert.deepEqual(shortSideSize(1000, 999, 336), { width: 336, height: 336 }); // int(336.336...)
  assert.deepEqual(shortSideSize(37, 23, 16), { width: 25, height: 16 });
});

test('centre crop and normalisation of a 4x2 image, by hand', () => {
  // Pixel (x, y) = [10x + y, 100 + x, 200 + y].
  const data = new Uint8Array(4 * 2 * 3);
  for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) data.set([10 * x + y, 100 + x, 200 + y], (y * 4 + x) * 3);
  const crop = centerCrop({ data, width: 4, height: 2 }, 2); // left = (4 - 2) // 2 = 1, top = 0
  assert.deepEqual([...crop.data], [10, 101, 200, 20, 102, 200, 11, 101, 201, 21, 102, 201]);
  const out = new Float32Array(12);
  normalizeToChw(crop, out, CLIP_MEAN, CLIP_STD);
  const f = Math.fround;
  const norm = (v: number, c: number): number => f(f(f(v * (1 / 255)) - f(CLIP_MEAN[c]!)) / f(CLIP_STD[c]!));
  assert.deepEqual(
    [...out],
    [
      norm(10, 0),
      norm(20, 0),
      norm(11, 0),
      norm(21, 0),
      norm(101, 1),
      norm(102, 1),
      norm(101, 1),
      norm(102, 1),
      norm(200, 2),
      norm(200, 2),
      norm(201, 2),
      norm(201, 2),
    ],
  );
  assert.ok(Math.abs((out[0] as number) - (10 / 255 - 0.48145466) / 0.26862954) < 1e-6);
});
