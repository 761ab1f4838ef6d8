/**
 * Size limits on what is read from a release (src/data/size-limits.ts): a zip bomb (a small zip holding an entry that
 * inflates past the limit) and a zip whose header lies about an entry's size are refused with messages naming the
 * archive and entry; oversized plain image and annotation files too. The limits are options, so the tests use small ones.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { loadAnnotations } from '../../src/data/annotations.js';
import { openImageSource } from '../../src/data/image-source.js';
import { loadSplitRecords } from '../../src/data/layout.js';
import { readCapped } from '../../src/data/read-capped.js';
import { DEFAULT_SIZE_LIMITS, formatBytes } from '../../src/data/size-limits.js';
import { patchDeclaredSize, writeZip, zipBuffer } from '../helpers/zip.js';
import { record } from '../helpers/records.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const IMAGE = 'val/VizWiz_val_00000000.jpg';
const USE_OFFICIAL = 'use the unmodified official archive (re-download it if it was changed or damaged)';
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vizwiz-zip-limits-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('zip entry size limits', () => {
  it('refuses an entry that inflates past the image limit, before inflating it', async () => {
    const zip = join(dir, 'bomb.zip');
    await writeZip(zip, { [IMAGE]: Buffer.alloc(4 * MiB), 'val/VizWiz_val_00000001.jpg': 'fine' });
    assert.ok((await stat(zip)).size < 16 * KiB, 'the bomb is small on disk');
    const source = await openImageSource(zip, { maxImageBytes: 64 * KiB });
    try {
      assert.equal((await source.read('VizWiz_val_00000001.jpg')).toString(), 'fine');
      await assert.rejects(source.read('VizWiz_val_00000000.jpg'), {
        code: 'INVALID_ARCHIVE',
        message:
          `${zip}: entry "${IMAGE}" would inflate to 4194304 bytes, over the 64 KiB limit for an image; ` +
          `refusing to read it (a zip bomb or a damaged archive): ${USE_OFFICIAL}`,
      });
    } finally {
      await source.close();
    }
  });

  it('refuses an entry whose header declares less than it inflates to, also far below the limit', async () => {
    const zip = join(dir, 'liar.zip');
    const honest = await zipBuffer({ [IMAGE]: Buffer.alloc(1 * MiB, 7) });
    await writeFile(zip, patchDeclaredSize(honest, IMAGE, 100));
    for (const limits of [{ maxImageBytes: 64 * KiB }, {}]) {
      const source = await openImageSource(zip, limits);
      try {
        await assert.rejects(source.read('VizWiz_val_00000000.jpg'), {
          code: 'INVALID_ARCHIVE',
          message:
            `${zip}: entry "${IMAGE}" inflates to more than the 100 bytes its zip header declares; ` +
            `refusing to read it (a damaged or crafted archive): ${USE_OFFICIAL}`,
        });
      } finally {
        await source.close();
      }
    }
  });

  it('caps annotation entries of Annotations.zip separately from images', async () => {
    const release = join(dir, 'release');
    await mkdir(release);
    const train = JSON.stringify(Array.from({ length: 40 }, (_, i) => record(`VizWiz_train_${String(i).padStart(8, '0')}.jpg`, ['red'])));
    await writeZip(join(release, 'Annotations.zip'), { 'Annotations/train.json': train });
    assert.equal((await loadSplitRecords(release, 'train', { maxImageBytes: 1 })).length, 40);
    await assert.rejects(loadSplitRecords(release, 'train', { maxAnnotationBytes: 4 * KiB }), {
      code: 'INVALID_ARCHIVE',
      message:
        `${join(release, 'Annotations.zip')}: entry "Annotations/train.json" would inflate to ${Buffer.byteLength(train)} bytes, ` +
        `over the 4 KiB limit for an annotation file; refusing to read it (a zip bomb or a damaged archive): ${USE_OFFICIAL}`,
    });
  });

  it('defaults leave room over the real release: 64 MiB per image, 256 MiB per annotation file', () => {
    assert.equal(formatBytes(DEFAULT_SIZE_LIMITS.maxImageBytes), '64 MiB');
    assert.equal(formatBytes(DEFAULT_SIZE_LIMITS.maxAnnotationBytes), '256 MiB');
    assert.equal(formatBytes(1000), '1000 bytes');
  });
});

describe('size limits of plain files', () => {
  it('refuses an image file over the limit and an annotation file over the limit, before reading them', async () => {
    const folder = join(dir, 'val');
    await mkdir(folder);
    await writeFile(join(folder, 'VizWiz_val_00000000.jpg'), Buffer.alloc(2000));
    const source = await openImageSource(folder, { maxImageBytes: 1 * KiB });
    await assert.rejects(source.read('VizWiz_val_00000000.jpg'), {
      code: 'INVALID_IMAGE',
      message:
        `${join(folder, 'VizWiz_val_00000000.jpg')}: 2000 bytes, over the 1 KiB limit for an image; refusing to read it: ` +
        'replace it with the official image, or remove its entry from the annotations',
    });
    const file = join(dir, 'train.json');
    await writeFile(file, JSON.stringify([record('VizWiz_train_00000000.jpg', ['red'])]));
    const size = (await stat(file)).size;
    await assert.rejects(loadAnnotations(file, { maxAnnotationBytes: 100 }), {
      code: 'INVALID_ANNOTATIONS',
      message:
        `${file}: ${size} bytes, over the 100 bytes limit for an annotation file (the official ones are 10-30 MB): ` +
        'check that this is a VizWiz annotation file',
    });
  });
});

describe('readCapped', () => {
  it('stops an endless stream at the limit: it never holds more than the limit, and destroys the stream', async () => {
    let pulled = 0;
    const chunk = Buffer.alloc(16 * KiB);
    const endless = new Readable({
      read() {
        pulled += chunk.length;
        this.push(chunk);
      },
    });
    await assert.rejects(
      readCapped(
        endless,
        100 * KiB,
        () => new Error('too large'),
        (err) => err as Error,
      ),
      { message: 'too large' },
    );
    assert.equal(endless.destroyed, true);
    // what was read ahead by the stream's own buffer (highWaterMark 16 KiB) on top of the 7 chunks read
    assert.ok(pulled <= 100 * KiB + 3 * chunk.length, `pulled ${pulled} bytes`);
  });

  it("returns the bytes of a stream within the limit, and passes the stream's own errors through `failed`", async () => {
    const ok = await readCapped(
      Readable.from([Buffer.from('ab'), Buffer.from('cd')]),
      4,
      () => new Error('big'),
      (e) => e as Error,
    );
    assert.equal(ok.toString(), 'abcd');
    const broken = new Readable({
      read() {
        this.destroy(new Error('inflate failed'));
      },
    });
    await assert.rejects(
      readCapped(
        broken,
        4,
        () => new Error('big'),
        (e) => new Error(`wrapped: ${(e as Error).message}`),
      ),
      {
        message: 'wrapped: inflate failed',
      },
    );
  });
});
