import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { base64Bytes, dataUrlBytes, readPhoto } from '../../src/serve/image-input.js';
import { DEFAULT_LIMITS, megabytes } from '../../src/serve/limits.js';

const limits = { ...DEFAULT_LIMITS, maxImageBytes: 4096, maxPixels: 10_000 };

describe('photo input', () => {
  it('decodes a photo within the limits to RGB', async () => {
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 10, b: 10 } } })
      .png()
      .toBuffer();
    const rgb = await readPhoto(png, limits);
    assert.deepEqual([rgb.width, rgb.height, rgb.data.length, rgb.data[0], rgb.data[1], rgb.data[2]], [40, 30, 3600, 200, 10, 10]);
  });

  it('says what is wrong: empty, too many bytes, not a photo, too many pixels, damaged', async () => {
    const wide = await sharp({ create: { width: 200, height: 60, channels: 3, background: '#808080' } })
      .jpeg()
      .toBuffer();
    const noise = Buffer.from(Array.from({ length: 100 * 100 * 3 }, (_, i) => (i * 7919) % 251));
    const jpeg = await sharp(noise, { raw: { width: 100, height: 100, channels: 3 } })
      .jpeg({ quality: 95 })
      .toBuffer();
    const cases: [Uint8Array, number, string][] = [
      [new Uint8Array(0), 422, 'the upload is empty; attach a photo'],
      [new Uint8Array(5000), 413, 'the photo is 4.9 KB; the limit is 4 KB. Send a smaller photo'],
      [Buffer.from('%PDF-1.4 not a photo'), 415, 'the upload is not a photo in a supported format (JPEG, PNG, WebP, GIF, AVIF, TIFF); send a photo'],
      [wide, 422, 'the photo is 200 x 60 = 12000 pixels; the limit is 10000. Send a smaller photo'],
    ];
    for (const [bytes, status, message] of cases) await assert.rejects(readPhoto(bytes, limits), { status, message });
    await assert.rejects(readPhoto(jpeg.subarray(0, Math.floor(jpeg.length / 2)), { ...limits, maxImageBytes: 1 << 20 }), {
      status: 422,
      message: 'the JPEG photo could not be decoded (the file is damaged or cut short); take or send it again',
    });
  });

  it('reads base64 and data: URLs, checking the size before decoding', () => {
    assert.deepEqual([...dataUrlBytes('data:image/png;base64,AQID', limits)], [1, 2, 3]);
    assert.deepEqual([...dataUrlBytes('data:image/png,%01%02', limits)], [1, 2]);
    assert.deepEqual([...base64Bytes('AQ ID\n', limits, 'image')], [1, 2, 3]);
    assert.throws(() => base64Bytes('A'.repeat(8000), limits, 'image'), {
      status: 413,
      message: 'the photo is 5.9 KB; the limit is 4 KB. Send a smaller photo',
    });
    assert.throws(() => base64Bytes('not base64!', limits, 'image'), { status: 422, message: 'image is not valid base64' });
    assert.throws(() => dataUrlBytes('https://example.com/a.jpg', limits), {
      status: 422,
      message: 'the image URL is not a valid data: URL (expected data:image/...;base64,...)',
    });
  });

  it('writes sizes for people', () => {
    assert.deepEqual([600, 2000, 65536, 10 * 1024 * 1024, 12.34 * 1024 * 1024].map(megabytes), ['600 bytes', '2 KB', '64 KB', '10 MB', '12.3 MB']);
  });
});
