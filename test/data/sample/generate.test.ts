/**
 * End-to-end tests of `generateSample` and `vizwiz sample`: official folder and zip layouts, byte-level
 * determinism, image properties (size, darkness, blur) and a learnability check on the colour questions.
 */

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sampleCommand } from '../../../src/cli/sample.js';
import { COLOURS, generateSample, planSample, SPLITS, type PlannedItem, type SampleSummary } from '../../../src/data/sample/index.js';
import { VizWizError } from '../../../src/errors.js';
import { centreMean, decodeRgb, laplacianEnergy, majority, meanPixel, readZip, sha256, tempDir } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
async function scratch(prefix: string): Promise<string> {
  const { dir, cleanup } = await tempDir(prefix);
  cleanups.push(cleanup);
  return dir;
}

/** sha256 of the three annotation files and of the first three images of every split. */
async function fingerprint(dir: string): Promise<string[]> {
  const hashes: string[] = [];
  for (const split of SPLITS) {
    hashes.push(sha256(await readFile(path.join(dir, 'Annotations', `${split}.json`))));
    const images = (await readdir(path.join(dir, split))).sort().slice(0, 3);
    for (const image of images) hashes.push(sha256(await readFile(path.join(dir, split, image))));
  }
  return hashes;
}

let small: SampleSummary;
let smallAgain: SampleSummary;
let otherSeed: SampleSummary;
let large: SampleSummary;
const largeOptions = { n: 240, seed: 1 } as const;

before(async () => {
  [small, smallAgain, otherSeed, large] = await Promise.all([
    generateSample({ out: await scratch('a'), n: 20, seed: 7 }),
    generateSample({ out: await scratch('b'), n: 20, seed: 7 }),
    generateSample({ out: await scratch('c'), n: 20, seed: 8 }),
    generateSample({ out: await scratch('large'), ...largeOptions }),
  ]);
});

after(async () => {
  await Promise.all(cleanups.map((cleanup) => cleanup()));
});

describe('generateSample (folder layout)', () => {
  it('writes Annotations/{train,val,test}.json and one JPEG per question in train/, val/, test/', async () => {
    assert.equal(small.layout, 'folder');
    assert.deepEqual((await readdir(small.out)).sort(), ['Annotations', 'QualityIssues', 'test', 'train', 'val']);
    assert.deepEqual((await readdir(path.join(small.out, 'Annotations'))).sort(), ['test.json', 'train.json', 'val.json']);
    for (const split of SPLITS) {
      const entries = JSON.parse(await readFile(path.join(small.out, 'Annotations', `${split}.json`), 'utf8')) as { image: string }[];
      assert.equal(entries.length, small.splits[split].questions);
      const files = (await readdir(path.join(small.out, split))).sort();
      assert.deepEqual(files, entries.map((e) => e.image).sort());
      assert.equal(files[0], `VizWiz_${split}_00000000.jpg`);
    }
    assert.deepEqual(
      { train: small.splits.train.questions, val: small.splits.val.questions, test: small.splits.test.questions },
      { train: 12, val: 4, test: 4 },
    );
    for (const split of SPLITS) for (const count of Object.values(small.splits[split].byAnswerType)) assert.ok(count >= 1);
    assert.equal(small.written.length, 8);
  });

  it('is byte-identical for the same seed and different for another seed', async () => {
    const [a, b, c] = await Promise.all([fingerprint(small.out), fingerprint(smallAgain.out), fingerprint(otherSeed.out)]);
    assert.deepEqual(a, b);
    a.forEach((hash, i) => assert.notEqual(hash, c[i], `fingerprint ${i}`));
  });

  it('writes JPEGs that decode to the stated square size', async () => {
    const file = path.join(large.out, 'val', 'VizWiz_val_00000000.jpg');
    const bytes = await readFile(file);
    assert.deepEqual([...bytes.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    const pixels = await decodeRgb(file);
    assert.equal(pixels.width, large.imageSize);
    assert.equal(pixels.height, 96);
  });
});

describe('image content', () => {
  const plan = planSample(largeOptions);
  const items = SPLITS.flatMap((s) => plan.splits[s]);
  const load = (item: PlannedItem) => decodeRgb(path.join(large.out, item.split, item.image));
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

  it('makes dark photos much darker than ordinary ones', async () => {
    const dark = await Promise.all(items.filter((i) => i.degradation === 'dark').map(async (i) => meanPixel(await load(i))));
    const normal = await Promise.all(
      items
        .filter((i) => i.degradation === 'none')
        .slice(0, 40)
        .map(async (i) => meanPixel(await load(i))),
    );
    assert.ok(dark.length >= 5);
    assert.ok(mean(dark) < mean(normal) / 4, `dark ${mean(dark)} vs normal ${mean(normal)}`);
    assert.ok(Math.max(...dark) < Math.min(...normal), 'every dark photo is darker than every ordinary one');
  });

  it('gives blurred photos less high-frequency energy than ordinary ones', async () => {
    const blurred = await Promise.all(items.filter((i) => i.degradation === 'blur').map(async (i) => laplacianEnergy(await load(i))));
    const normal = await Promise.all(
      items
        .filter((i) => i.degradation === 'none')
        .slice(0, 40)
        .map(async (i) => laplacianEnergy(await load(i))),
    );
    assert.ok(blurred.length >= 5);
    assert.ok(mean(blurred) < mean(normal) / 2, `blurred ${mean(blurred)} vs normal ${mean(normal)}`);
  });

  it('is learnable: the nearest palette colour of the image centre answers >80% of colour questions', async () => {
    const colourItems = items.filter((i) => i.family === 'colour' && i.answerable === 1 && i.split !== 'test');
    assert.ok(colourItems.length >= 20, `${colourItems.length} colour questions`);
    let right = 0;
    for (const item of colourItems) {
      const [r, g, b] = centreMean(await load(item), 12);
      const nearest = COLOURS.reduce((best, c) =>
        Math.hypot(c.rgb[0] - r, c.rgb[1] - g, c.rgb[2] - b) < Math.hypot(best.rgb[0] - r, best.rgb[1] - g, best.rgb[2] - b) ? c : best,
      );
      if (nearest.name === majority(item.answers).answer) right++;
    }
    assert.ok(right / colourItems.length > 0.8, `${right}/${colourItems.length} right`);
  });
});

describe('generateSample (zip layout)', () => {
  it('writes Annotations.zip, train.zip, val.zip, test.zip with the official entry names, deterministically', async () => {
    const [zipA, zipB] = await Promise.all([
      generateSample({ out: await scratch('zip-a'), n: 20, seed: 7, zip: true }),
      generateSample({ out: await scratch('zip-b'), n: 20, seed: 7, zip: true }),
    ]);
    assert.deepEqual((await readdir(zipA.out)).sort(), ['Annotations.zip', 'QualityIssues.zip', 'test.zip', 'train.zip', 'val.zip']);
    for (const name of ['Annotations.zip', 'train.zip', 'val.zip', 'test.zip']) {
      assert.equal(sha256(await readFile(path.join(zipA.out, name))), sha256(await readFile(path.join(zipB.out, name))), name);
    }
    const annotations = await readZip(path.join(zipA.out, 'Annotations.zip'));
    assert.deepEqual([...annotations.keys()], ['Annotations/train.json', 'Annotations/val.json', 'Annotations/test.json']);
    for (const split of SPLITS) {
      // Same seed and n as the folder dataset `small`: identical bytes inside the zips.
      const json = annotations.get(`Annotations/${split}.json`);
      assert.ok(json !== undefined);
      assert.equal(sha256(json), sha256(await readFile(path.join(small.out, 'Annotations', `${split}.json`))));
      const images = await readZip(path.join(zipA.out, `${split}.zip`));
      const names = [...images.keys()];
      assert.equal(names.length, zipA.splits[split].questions);
      assert.equal(names[0], `${split}/VizWiz_${split}_00000000.jpg`);
      for (const name of names) assert.match(name, new RegExp(`^${split}/VizWiz_${split}_\\d{8}\\.jpg$`));
      const first = images.get(names[0] ?? '');
      assert.ok(first !== undefined);
      assert.equal(sha256(first), sha256(await readFile(path.join(small.out, split, `VizWiz_${split}_00000000.jpg`))));
      assert.equal((await decodeRgb(first)).width, 96);
    }
  });
});

describe('vizwiz sample', () => {
  it('rejects --n below 4 or not an integer as a usage error', async () => {
    for (const bad of ['3', '4.5', 'abc', '']) {
      await assert.rejects(
        sampleCommand(() => {}).parseAsync(['--out', 'unused', '--n', bad], { from: 'user' }),
        (e: unknown) => e instanceof VizWizError && e.code === 'USAGE' && e.message === `--n must be an integer >= 4, got "${bad}"`,
      );
    }
  });

  it('writes the dataset and prints a one-line summary', async () => {
    const out = await scratch('cli');
    const lines: string[] = [];
    await sampleCommand((line) => lines.push(line)).parseAsync(['--out', out, '--n', '8', '--seed', '3', '--size', '64'], { from: 'user' });
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /^sample: 8 questions \(train \d+, val \d+, test \d+; other \d+, .*\), seed 3, 64px -> .* \[folder\]/);
    const pixels = await decodeRgb(path.join(out, 'train', 'VizWiz_train_00000000.jpg'));
    assert.equal(pixels.width, 64);
  });
});
