/**
 * What the serve tests serve: a smoke comparison with the CLIP head only (the embedded default clipped: 120 sample
 * questions, tiny random CLIP of the real architecture, 3 epochs), whose quality stage trains the quality head on its
 * CLIP features into quality/clip-vit-l14-336, made once per test process. Also a few photos of the
 * sample (clear, dark, blurry, badly framed) as JPEG bytes.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCompare } from '../../src/compare/run.js';
import { loadSplitQuality } from '../../src/data/quality-layout.js';
import { planSample } from '../../src/data/sample/index.js';
import { trainConfig } from '../../src/train/config.js';
import { trainQualityHead } from '../../src/train/quality.js';
import { trainHead } from '../../src/train/trainer.js';
import { sampleWithFeatures } from './sample-features.js';

export interface ServedComparison {
  root: string;
  /** JPEG bytes of sample photos by degradation. */
  photos: { clear: Buffer; dark: Buffer; blur: Buffer; framing: Buffer };
  /** More clear photos (distinct images). */
  more: Buffer[];
}

let cached: Promise<ServedComparison> | undefined;

export const QUALITY_ENCODER = 'clip-vit-l14-336';
/** Questions of the smoke comparison's sample. */
const SAMPLE_SIZE = 120;

export function servedComparison(): Promise<ServedComparison> {
  cached ??= (async () => {
    const root = await mkdtemp(join(tmpdir(), 'vizwiz-serve-'));
    // The comparison also trains the quality head on its CLIP features (compare/quality.ts).
    await runCompare({ out: root, models: ['clip-linear'], device: 'cpu', smoke: true, augment: false, seed: 0, log: () => {} });
    // The comparison's sample (seed 0); photos from its validation split
    // first, then from train for a defect validation lacks.
    const plan = planSample({ n: SAMPLE_SIZE, seed: 0 });
    const items = [...plan.splits.val, ...plan.splits.train];
    const read = (item: (typeof items)[number]) => readFile(join(root, 'data', item.split, item.image));
    const first = (d: string) => items.find((i) => i.degradation === d)!;
    const clear = items.filter((i) => i.degradation === 'none');
    return {
      root,
      photos: { clear: await read(clear[0]!), dark: await read(first('dark')), blur: await read(first('blur')), framing: await read(first('framing')) },
      more: await Promise.all(clear.slice(1, 9).map(read)),
    };
  })();
  return cached;
}

let pixel: Promise<string> | undefined;

/**
 * A `vizwiz train` run of the CLIP-linear head on pixel-projection features of a 600-question sample, with a quality
 * head in its quality/ folder: the weight-free encoder sees brightness and layout well, so its quality head flags the
 * sample's dark photos clearly (what the advice tests need), and it exercises serving a train run outside a comparison.
 */
export function pixelProjectionRun(): Promise<string> {
  pixel ??= (async () => {
    const s = await sampleWithFeatures();
    const dir = await mkdtemp(join(tmpdir(), 'vizwiz-serve-run-'));
    const split = (x: typeof s.train) => ({ records: x.records, features: x.features, source: x.featuresFile });
    await trainHead({ out: dir, config: trainConfig('clip-linear', { epochs: 5 }), train: split(s.train), val: split(s.val) });
    const quality = async (x: typeof s.train, name: 'train' | 'val') => ({
      images: x.records.map((r) => r.image),
      features: x.features,
      quality: await loadSplitQuality(s.dir, name),
      source: x.featuresFile,
    });
    await trainQualityHead({ out: join(dir, 'quality'), train: await quality(s.train, 'train'), val: await quality(s.val, 'val'), config: { epochs: 25 } });
    return dir;
  })();
  return pixel;
}
