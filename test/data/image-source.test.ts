import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { assertImagesPresent, findMissingImages, openImageSource } from '../../src/data/image-source.js';
import { ZipArchive } from '../../src/data/zip-archive.js';
import { writeZip, writeZipWithRawName } from '../helpers/zip.js';

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vizwiz-img-'));
  await writeZip(join(dir, 'val.zip'), {
    'val/VizWiz_val_00000000.jpg': 'image zero',
    'val/VizWiz_val_00000001.jpg': 'image one',
  });
  await mkdir(join(dir, 'val'));
  await writeFile(join(dir, 'val', 'VizWiz_val_00000000.jpg'), 'image zero');
});

describe('zip images', () => {
  it('reads images by bare name from inside the official folder of the zip', async () => {
    const source = await openImageSource(join(dir, 'val.zip'));
    assert.equal((await source.read('VizWiz_val_00000001.jpg')).toString(), 'image one');
    assert.equal(await source.has('VizWiz_val_00000000.jpg'), true);
    assert.equal(await source.has('VizWiz_val_00000009.jpg'), false);
    await source.close();
  });

  it('lists missing images by name: the first 10 and a count', async () => {
    const source = await openImageSource(join(dir, 'val.zip'));
    const records = Array.from({ length: 14 }, (_, i) => ({ image: `VizWiz_val_${String(i).padStart(8, '0')}.jpg` }));
    const absent = await findMissingImages(records, source);
    assert.equal(absent.length, 12);
    await assert.rejects(assertImagesPresent(records, source), {
      code: 'MISSING_IMAGE',
      message: `${join(dir, 'val.zip')}: 12 images missing: ` + absent.slice(0, 10).join(', ') + ' (and 2 more)',
    });
    await assert.rejects(source.read('VizWiz_val_00000005.jpg'), {
      code: 'MISSING_IMAGE',
      message: `${join(dir, 'val.zip')}: image "VizWiz_val_00000005.jpg" not found`,
    });
    await source.close();
  });

  it('refuses archives with entries that escape the archive', async () => {
    const cases: [string, string][] = [
      ['../evil.jpg', 'has a ".." component that escapes the archive'],
      ['/etc/evil.jpg', 'is an absolute path that escapes the archive'],
      ['a/../../e.jpg', 'has a ".." component that escapes the archive'],
      ['C:/evil.jpg', 'is an absolute path that escapes the archive'],
    ];
    for (const [name, problem] of cases) {
      const zip = join(dir, `evil-${cases.findIndex((c) => c[0] === name)}.zip`);
      await writeZipWithRawName(zip, name);
      await assert.rejects(ZipArchive.open(zip), {
        code: 'INVALID_ARCHIVE',
        message: `${zip}: entry "${name}" ${problem}; refusing to read this archive`,
      });
    }
  });

  it('refuses a zip with two images of the same name', async () => {
    const zip = join(dir, 'clash.zip');
    await writeZip(zip, { 'a/x.jpg': '1', 'b/x.jpg': '2' });
    await assert.rejects(openImageSource(zip), {
      code: 'INVALID_ARCHIVE',
      message: `${zip}: several entries share a file name: a/x.jpg and b/x.jpg`,
    });
  });

  it('reports a file that is not a zip', async () => {
    const bad = join(dir, 'bad.zip');
    await writeFile(bad, 'not a zip at all');
    await assert.rejects(openImageSource(bad), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'INVALID_ARCHIVE');
      assert.match(err.message, new RegExp(`^${bad.replace(/[.]/g, '\\.')}: not a readable zip file \\(`));
      return true;
    });
  });
});

describe('folder images', () => {
  it('reads images and refuses names with a path in them', async () => {
    const source = await openImageSource(join(dir, 'val'));
    assert.equal((await source.read('VizWiz_val_00000000.jpg')).toString(), 'image zero');
    await assert.rejects(source.read('../val.zip'), {
      code: 'MISSING_IMAGE',
      message: `${join(dir, 'val')}: image name "../val.zip" is not a plain file name`,
    });
    await assert.rejects(source.read('VizWiz_val_00000001.jpg'), {
      code: 'MISSING_IMAGE',
      message: `${join(dir, 'val')}: image "VizWiz_val_00000001.jpg" not found`,
    });
  });

  it('reports a missing folder and a path that is neither folder nor zip', async () => {
    await assert.rejects(openImageSource(join(dir, 'nowhere')), {
      code: 'NOT_FOUND',
      message: `${join(dir, 'nowhere')}: no such image folder or zip file`,
    });
    const file = join(dir, 'val', 'VizWiz_val_00000000.jpg');
    await assert.rejects(openImageSource(file), {
      code: 'INVALID_ARGUMENT',
      message: `${file}: images must be a folder or a .zip file`,
    });
  });
});
