/**
 * Image decoding: every awkward kind of input, generated with sharp, comes out as 8-bit RGB of the right size, with
 * exact pixels where the format is lossless; broken or missing images are ImageFailures naming the image.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { FolderImageSource } from '../../src/data/image-source.js';
import { decodeImage, readImage } from '../../src/images/decode.js';
import { ImageFailure } from '../../src/images/failure.js';
import type { RgbImage } from '../../src/images/rgb.js';

const RED = { r: 200, g: 30, b: 10 };

function pixel(img: RgbImage, x: number, y: number): number[] {
  const i = (y * img.width + x) * 3;
  return [img.data[i] as number, img.data[i + 1] as number, img.data[i + 2] as number];
}

function near(actual: number[], expected: number[], tol: number): void {
  assert.ok(
    actual.every((v, i) => Math.abs(v - (expected[i] as number)) <= tol),
    `${actual} vs ${expected} (tol ${tol})`,
  );
}

/** A w x h RGB raw image of solid 8 x 8 blocks coloured by `colour(bx, by)`. */
function blocks(w: number, h: number, colour: (bx: number, by: number) => number[]): Buffer {
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.set(colour(x >> 3, y >> 3), (y * w + x) * 3);
  return px;
}

test('EXIF orientation 6 (stored sideways) comes out upright: size swapped, corners rotated 90 degrees clockwise', async () => {
  // Stored 32 x 16: left half red, right half blue; top-left block green.
  const stored = blocks(32, 16, (bx, by) => (bx === 0 && by === 0 ? [0, 255, 0] : bx < 2 ? [255, 0, 0] : [0, 0, 255]));
  const jpeg = await sharp(stored, { raw: { width: 32, height: 16, channels: 3 } })
    .jpeg({ quality: 100 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
  const img = await decodeImage(jpeg, 'rotated.jpg');
  assert.equal(img.width, 16);
  assert.equal(img.height, 32);
  assert.equal(img.data.length, 16 * 32 * 3);
  near(pixel(img, 12, 3), [0, 255, 0], 8); // stored top-left is now top-right
  near(pixel(img, 3, 3), [255, 0, 0], 8); // stored bottom-left is now top-left
  near(pixel(img, 3, 28), [0, 0, 255], 8); // stored bottom-right is now bottom-left
});

test('grayscale, palette, RGBA and 16-bit PNGs become exact 8-bit RGB', async () => {
  const gray = await sharp({ create: { width: 3, height: 2, channels: 3, background: { r: 100, g: 100, b: 100 } } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
  assert.equal((await sharp(gray).metadata()).channels, 1);
  const g = await decodeImage(gray, 'gray.png');
  assert.deepEqual([g.width, g.height], [3, 2]);
  assert.deepEqual([...g.data], new Array(18).fill(100));

  const palette = await sharp({ create: { width: 3, height: 2, channels: 3, background: RED } })
    .png({ palette: true })
    .toBuffer();
  assert.equal((await sharp(palette).metadata()).isPalette, true);
  assert.deepEqual(pixel(await decodeImage(palette, 'palette.png'), 2, 1), [200, 30, 10]);

  const rgba = await sharp({ create: { width: 3, height: 2, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } })
    .png()
    .toBuffer();
  const a = await decodeImage(rgba, 'rgba.png');
  assert.equal(a.data.length, 18, 'alpha dropped');
  assert.deepEqual(pixel(a, 1, 1), [10, 20, 30], 'colour under the alpha kept, as PIL convert("RGB")');

  const deep = await sharp({ create: { width: 3, height: 2, channels: 3, background: RED } })
    .toColourspace('rgb16')
    .png()
    .toBuffer();
  assert.equal((await sharp(deep).metadata()).depth, 'ushort');
  const d = await decodeImage(deep, 'deep.png');
  assert.equal(d.data.length, 18);
  assert.deepEqual(pixel(d, 0, 0), [200, 30, 10]);
});

test('a CMYK JPEG becomes RGB close to the colour it was made from', async () => {
  const cmyk = await sharp({ create: { width: 16, height: 8, channels: 3, background: RED } })
    .toColourspace('cmyk')
    .jpeg({ quality: 100 })
    .toBuffer();
  assert.equal((await sharp(cmyk).metadata()).space, 'cmyk');
  const img = await decodeImage(cmyk, 'cmyk.jpg');
  assert.deepEqual([img.width, img.height, img.data.length], [16, 8, 16 * 8 * 3]);
  near(pixel(img, 8, 4), [200, 30, 10], 20);
});

test('a 1 x 1 image passes through; a 12000 x 9000 one is shrunk on load to 4096 x 3072', async () => {
  const one = await sharp({ create: { width: 1, height: 1, channels: 3, background: RED } })
    .png()
    .toBuffer();
  const tiny = await decodeImage(one, 'one.png');
  assert.deepEqual([tiny.width, tiny.height, ...tiny.data], [1, 1, 200, 30, 10]);

  const big = await sharp({ create: { width: 12000, height: 9000, channels: 3, background: RED } })
    .jpeg({ quality: 50 })
    .toBuffer();
  const img = await decodeImage(big, 'big.jpg');
  assert.deepEqual([img.width, img.height, img.data.length], [4096, 3072, 4096 * 3072 * 3]);
  near(pixel(img, 2000, 1500), [200, 30, 10], 4);
  const small = await decodeImage(big, 'big.jpg', { maxSide: 400 });
  assert.deepEqual([small.width, small.height], [400, 300]);
});

test('a truncated JPEG, a non-image and a missing file are ImageFailures naming the image', async () => {
  const noise = Buffer.alloc(128 * 128 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
  const jpeg = await sharp(noise, { raw: { width: 128, height: 128, channels: 3 } })
    .jpeg()
    .toBuffer();
  await assert.rejects(decodeImage(jpeg.subarray(0, Math.floor(jpeg.length * 0.7)), 'VizWiz_train_00000007.jpg'), (err: unknown) => {
    assert.ok(err instanceof ImageFailure);
    assert.equal(err.code, 'INVALID_IMAGE');
    assert.equal(err.image, 'VizWiz_train_00000007.jpg');
    assert.equal(err.kind, 'corrupt');
    assert.match(err.message, /^image VizWiz_train_00000007\.jpg cannot be decoded \(.*premature end of JPEG/);
    assert.ok(!err.reason.includes('\n'), 'one-line reason');
    return true;
  });
  await assert.rejects(
    decodeImage(Buffer.from('not an image'), 'text.jpg'),
    /image text\.jpg cannot be decoded \(Input buffer contains unsupported image format\)/,
  );

  const dir = await mkdtemp(join(tmpdir(), 'vizwiz-decode-'));
  try {
    await writeFile(join(dir, 'ok.jpg'), jpeg);
    const source = new FolderImageSource(dir);
    assert.equal((await readImage(source, 'ok.jpg')).width, 128);
    await assert.rejects(readImage(source, 'gone.jpg'), (err: unknown) => {
      assert.ok(err instanceof ImageFailure);
      assert.equal(err.kind, 'missing');
      assert.equal(err.message, `image gone.jpg is missing (not found in ${dir})`);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
