/**
 * ImageNet preprocessing against Pillow 9.4 + torchvision's eval transform (fixture pil_preprocess.json, made by
 * test/fixtures/resnet50_tiny/make_pil_preprocess.py): the full Resize -> CenterCrop -> ToTensor -> Normalize chain
 * with exact float32 values on a 13x9 image, and the 256/224 geometry (including Python's half-to-even crop offset)
 * with a hash of the crop window of the bilinear resize on larger images. Plus hand-computed crop/normalise arithmetic
 * and CenterCrop's padding on a uniform image. (The fixture's plain Pillow BILINEAR resizes are the resampler's own
 * tests, in test/images/pil-resize.test.ts.)
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RgbImage } from '../../../src/images/rgb.js';
import { cropOffset, IMAGENET_PREPROCESS, preprocessImagenet, resizedSize } from '../../../src/models/resnet/preprocess.js';
import { pilResize } from '../../../src/images/resample/pil-resize.js';

const here = path.dirname(fileURLToPath(import.meta.url));
interface Reference {
  tiny_pipeline: { geometry: [number, number, number, number]; values: number[] };
  big: Record<string, { geometry: [number, number, number, number]; fnv: number; sum: number }>;
}
const ref = JSON.parse(readFileSync(path.join(here, '..', '..', 'fixtures', 'resnet50_tiny', 'pil_preprocess.json'), 'utf8')) as Reference;

/** The synthetic image of make_pil_preprocess.py. */
function synth(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = (x * x * 3 + y * 7 + x * y + c * 101 + ((x * 13 + y * 29) % 17) * 11) % 256;
    }
  }
  return { data, width, height };
}

function fnv(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const v of bytes) h = Math.imul(h ^ v, 0x01000193) >>> 0;
  return h;
}

test('Resize(8) -> CenterCrop(6) -> ToTensor -> Normalize on 13x9: exact float32 values as torchvision', () => {
  const p = { ...IMAGENET_PREPROCESS, resize: 8, crop: 6 };
  const [w, h, left, top] = ref.tiny_pipeline.geometry;
  assert.deepEqual(resizedSize(13, 9, 8), [w, h]);
  assert.deepEqual([cropOffset(w, 6), cropOffset(h, 6)], [left, top]);
  const out = new Float32Array(3 * 6 * 6);
  preprocessImagenet(synth(13, 9), out, p);
  assert.deepEqual([...out], ref.tiny_pipeline.values.map(Math.fround));
});

for (const [size, want] of Object.entries(ref.big)) {
  test(`Resize(256) -> CenterCrop(224) geometry and crop bytes of a ${size} image`, () => {
    const [iw, ih] = size.split('x').map(Number) as [number, number];
    const [w, h, left, top] = want.geometry;
    assert.deepEqual(resizedSize(iw, ih, 256), [w, h]);
    assert.deepEqual([cropOffset(w, 224), cropOffset(h, 224)], [left, top]);
    const crop = pilResize(synth(iw, ih), { width: w, height: h, filter: 'bilinear', region: { x: left, y: top, width: 224, height: 224 } }).data;
    assert.equal(
      crop.reduce((a, b) => a + b, 0),
      want.sum,
    );
    assert.equal(fnv(crop), want.fnv);
  });
}

test('crop offsets use Python round (half to even) and floor for padding', () => {
  assert.equal(cropOffset(341, 224), 58); // 58.5 -> 58
  assert.equal(cropOffset(343, 224), 60); // 59.5 -> 60
  assert.equal(cropOffset(256, 224), 16);
  assert.equal(cropOffset(3, 6), -1); // pad (6 - 3) // 2 = 1 on the left
  assert.deepEqual(resizedSize(640, 480, 256), [341, 256]); // int(256 * 640 / 480) = int(341.33)
});

test('normalise arithmetic: (v / 255 - mean) / std in float32, channel-major; padding is black', () => {
  const [r, g, b] = [10, 200, 255];
  const img: RgbImage = { data: new Uint8Array(4 * 4 * 3).map((_, i) => [r, g, b][i % 3] as number), width: 4, height: 4 };
  const f = (v: number, c: number): number =>
    Math.fround(Math.fround(Math.fround(v / 255) - Math.fround(IMAGENET_PREPROCESS.mean[c] as number)) / Math.fround(IMAGENET_PREPROCESS.std[c] as number));
  // 4x4 stays 4x4 (short side already 4); CenterCrop(6) pads 1 pixel of black on every side.
  const out = new Float32Array(3 * 36);
  preprocessImagenet(img, out, { ...IMAGENET_PREPROCESS, resize: 4, crop: 6 });
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < 6; y++) {
      for (let x = 0; x < 6; x++) {
        const inside = x >= 1 && x <= 4 && y >= 1 && y <= 4;
        assert.equal(out[c * 36 + y * 6 + x], f(inside ? ([r, g, b][c] as number) : 0, c), `c${c} y${y} x${x}`);
      }
    }
  }
  // Spot values: 10 in red is (10/255 - 0.485) / 0.229 ~ -1.9467; 255 in blue is (1 - 0.406) / 0.225 = 2.64.
  assert.ok(Math.abs(f(10, 0) - (10 / 255 - 0.485) / 0.229) < 1e-6);
  assert.ok(Math.abs(f(255, 2) - 2.64) < 1e-6);
});
