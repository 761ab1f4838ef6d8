/**
 * The Pillow-exact resampler against Pillow 9.4 itself: BILINEAR and BICUBIC resizes byte for byte (fixtures made by
 * Pillow: test/fixtures/images/pil_resize.json for windows of photo-sized, mixed-direction, one-axis and tiny resizes;
 * resnet50_tiny/pil_preprocess.json and clip/preprocess/expected.json for whole resizes of small images), any window
 * equal to the same window of the whole resize, hand-derived fixed-point taps (padding and shifting included), and
 * the errors for impossible geometry.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RgbImage } from '../../src/images/rgb.js';
import { PIL_FILTERS, type PilFilter } from '../../src/images/resample/filters.js';
import { pilResize, type Region } from '../../src/images/resample/pil-resize.js';
import { filterTaps } from '../../src/images/resample/taps.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const readJson = <T>(...parts: string[]): T => JSON.parse(readFileSync(path.join(fixtures, ...parts), 'utf8')) as T;

interface Case {
  image: [number, number];
  filter: PilFilter;
  size: [number, number];
  region: [number, number, number, number] | null;
  data?: number[];
  sum?: number;
  fnv?: number;
}

/** The synthetic image of make_pil_resize.py (`edges`) and make_pil_preprocess.py (without). */
function synth(width: number, height: number, edges: boolean): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let v = (x * x * 3 + y * 7 + x * y + c * 101 + ((x * 13 + y * 29) % 17) * 11) % 256;
        if (edges && y % 16 < 2) v = 255;
        if (edges && x % 23 < 3) v = 0;
        data[(y * width + x) * 3 + c] = v;
      }
    }
  }
  return { data, width, height };
}

function fnv(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const v of bytes) h = Math.imul(h ^ v, 0x01000193) >>> 0;
  return h;
}

const pil = readJson<{ pillow: string; cases: Case[] }>('images', 'pil_resize.json');
assert.equal(pil.pillow, '9.4.0');

for (const c of pil.cases) {
  const [w, h] = c.image;
  const [tw, th] = c.size;
  const window = c.region ? `, window ${c.region[2]}x${c.region[3]} at (${c.region[0]}, ${c.region[1]})` : '';
  test(`Pillow ${c.filter} ${w}x${h} -> ${tw}x${th}${window}, byte for byte`, () => {
    const region: Region | undefined = c.region ? { x: c.region[0], y: c.region[1], width: c.region[2], height: c.region[3] } : undefined;
    const out = pilResize(synth(w, h, true), { width: tw, height: th, filter: c.filter, region });
    assert.deepEqual([out.width, out.height], region ? [region.width, region.height] : [tw, th]);
    if (c.data) assert.deepEqual([...out.data], c.data);
    else assert.deepEqual([out.data.reduce((a, b) => a + b, 0), fnv(out.data)], [c.sum, c.fnv]);
  });
}

test('Pillow bilinear resizes of the 13x9 and 3x2 images of pil_preprocess.json, byte for byte', () => {
  const ref = readJson<{ tiny: Record<string, number[]>; small: Record<string, number[]> }>('resnet50_tiny', 'pil_preprocess.json');
  for (const [image, sizes] of [
    [synth(13, 9, false), ref.tiny],
    [synth(3, 2, false), ref.small],
  ] as const) {
    for (const [size, want] of Object.entries(sizes)) {
      const [width, height] = size.split('x').map(Number) as [number, number];
      assert.deepEqual([...pilResize(image, { width, height, filter: 'bilinear' }).data], want, `${image.width}x${image.height} -> ${size}`);
    }
  }
});

test('Pillow bicubic resizes of the 37x23 image of clip/preprocess, byte for byte (down, up, one axis, identity)', () => {
  const e = readJson<{ width: number; height: number; image: number[]; resized: { width: number; height: number; data: number[] }[] }>(
    'clip',
    'preprocess',
    'expected.json',
  );
  const image: RgbImage = { data: Uint8Array.from(e.image), width: e.width, height: e.height };
  assert.equal(e.resized.length, 6);
  for (const r of e.resized) {
    assert.deepEqual([...pilResize(image, { width: r.width, height: r.height, filter: 'bicubic' }).data], r.data, `-> ${r.width}x${r.height}`);
  }
});

test('every window of a resize equals that window of the whole resize', () => {
  const image = synth(41, 29, true);
  let seed = 5;
  const next = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  for (const filter of ['bilinear', 'bicubic'] as const) {
    for (const [width, height] of [
      [17, 11],
      [60, 50],
      [41, 13],
      [9, 29],
      [100, 7],
    ] as const) {
      const whole = pilResize(image, { width, height, filter });
      for (let k = 0; k < 6; k++) {
        const x = next(width);
        const y = next(height);
        const region = { x, y, width: 1 + next(width - x), height: 1 + next(height - y) };
        const part = pilResize(image, { width, height, filter, region });
        for (let r = 0; r < region.height; r++) {
          const from = ((y + r) * width + x) * 3;
          const row = part.data.subarray(r * region.width * 3, (r + 1) * region.width * 3);
          assert.deepEqual(row, whole.data.subarray(from, from + region.width * 3), `${filter} ${width}x${height} window ${JSON.stringify(region)} row ${r}`);
        }
      }
    }
  }
});

test('bicubic taps of 4 -> 2, by hand: Keys kernel at -0.25, 0.25, 0.75, 1.25 normalised to 2^22', () => {
  // k(0.25) = 0.8671875, k(0.75) = 0.2265625, k(1.25) = -0.0703125, sum 1.890625; k / sum * 2^22, rounded away from 0.
  const t = filterTaps(PIL_FILTERS.bicubic, 4, 2);
  assert.equal(t.width, 4);
  assert.deepEqual([...t.start], [0, 0]);
  assert.deepEqual([...t.weights], [1923834, 1923834, 502623, -155987, -155987, 502623, 1923834, 1923834]);
});

test('bilinear taps are zero-padded to 4 and shifted inside the input; past a narrower input they overhang', () => {
  // 9 -> 3: tents of half-width 3 around 1.5, 4.5, 7.5 read 5, 6 and 4 inputs; padded to 8, windows 2 and 3 start at
  // 1 (= 9 - 8), the third with 4 leading zeros.
  const t = filterTaps(PIL_FILTERS.bilinear, 9, 3);
  assert.equal(t.width, 8);
  assert.deepEqual([...t.start], [0, 1, 1]);
  const q = 2 ** 22;
  const r = (w: number): number => Math.trunc(0.5 + w * q);
  assert.deepEqual(
    [...t.weights],
    [q / 4, (3 * q) / 8, q / 4, q / 8, 0, 0, 0, 0, 0, r(1 / 9), r(2 / 9), r(1 / 3), r(2 / 9), r(1 / 9), 0, 0, 0, 0, 0, 0, q / 8, q / 4, (3 * q) / 8, q / 4],
  );
  // 3 -> 2: two taps each (5/8, 3/8 and mirrored), padded to 4 > 3 inputs, so both windows start at 0.
  const s = filterTaps(PIL_FILTERS.bilinear, 3, 2);
  assert.deepEqual([s.width, ...s.start], [4, 0, 0]);
  assert.deepEqual([...s.weights], [(5 * q) / 8, (3 * q) / 8, 0, 0, 0, (3 * q) / 8, (5 * q) / 8, 0]);
});

test('a two-pixel black/white image halves to 128 (HALF rounds 127.5 up); same-size resizes copy', () => {
  const image: RgbImage = { data: Uint8Array.from([0, 0, 0, 255, 255, 255]), width: 2, height: 1 };
  for (const filter of ['bilinear', 'bicubic'] as const) assert.deepEqual([...pilResize(image, { width: 1, height: 1, filter }).data], [128, 128, 128]);
  const same = pilResize(image, { width: 2, height: 1, filter: 'bicubic' });
  assert.deepEqual([...same.data], [...image.data]);
  assert.notEqual(same.data, image.data);
});

test('impossible geometry is refused with a message that names it', () => {
  const image = synth(5, 4, false);
  assert.throws(() => pilResize(image, { width: 0, height: 3, filter: 'bicubic' }), { message: 'resize target 0x3 is not a positive whole size' });
  assert.throws(() => pilResize(image, { width: 2.5, height: 3, filter: 'bilinear' }), { message: 'resize target 2.5x3 is not a positive whole size' });
  assert.throws(() => pilResize(image, { width: 8, height: 6, filter: 'bicubic', region: { x: 4, y: 0, width: 5, height: 6 } }), {
    message: 'resize region 5x6 at (4, 0) is not a non-empty window of the 8x6 result',
  });
  assert.throws(() => pilResize(image, { width: 8, height: 6, filter: 'bicubic', region: { x: 0, y: 0, width: 0, height: 6 } }), {
    message: 'resize region 0x6 at (0, 0) is not a non-empty window of the 8x6 result',
  });
  assert.throws(() => pilResize({ data: new Uint8Array(10), width: 2, height: 2 }, { width: 1, height: 1, filter: 'bilinear' }), {
    message: 'RGB image 2x2 needs 12 bytes, got 10',
  });
});
