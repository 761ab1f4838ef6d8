/** A small sample dataset with pixel-projection features for train and val, made once per test process. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAnnotations } from '../../src/data/annotations.js';
import { openImageSource } from '../../src/data/image-source.js';
import { generateSample } from '../../src/data/sample/index.js';
import type { VizWizRecord } from '../../src/data/types.js';
import { writeFeatures, type FeatureSet } from '../../src/features/feature-file.js';
import { extractPixelProjection } from '../../src/features/pixel-projection.js';

export interface SampleSplit {
  annotations: string;
  featuresFile: string;
  records: VizWizRecord[];
  features: FeatureSet;
}

export interface SampleWithFeatures {
  dir: string;
  train: SampleSplit;
  val: SampleSplit;
}

let cached: Promise<SampleWithFeatures> | undefined;

async function split(dir: string, name: 'train' | 'val'): Promise<SampleSplit> {
  const annotations = join(dir, 'Annotations', `${name}.json`);
  const records = await loadAnnotations(annotations);
  const images = await openImageSource(join(dir, name));
  const features = await extractPixelProjection(records, images, { imageDim: 128, textDim: 64 });
  const featuresFile = join(dir, `${name}.features.safetensors`);
  await writeFeatures(featuresFile, features);
  return { annotations, featuresFile, records, features };
}

export function sampleWithFeatures(): Promise<SampleWithFeatures> {
  cached ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vizwiz-train-'));
    await generateSample({ out: dir, n: 600, seed: 11 });
    return { dir, train: await split(dir, 'train'), val: await split(dir, 'val') };
  })();
  return cached;
}
