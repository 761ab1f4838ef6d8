/**
 * The feature stage of `vizwiz compare`: image (and question) features of both splits for each encoder the
 * requested models need, through the resumable extractor (a finished file is never recomputed; an interrupted one
 * continues). With --augment, the training images are also encoded rotated, for the augmentation ablation.
 */
import { join } from 'node:path';
import type { Device } from '../engine/device.js';
import { extractFeatures } from '../features/extract.js';
import { readFeatures, type FeatureSet } from '../features/feature-file.js';
import { loadEncoder } from '../features/registry.js';
import { RotatedImageSource } from '../images/augment.js';
import type { CompareData, SplitData } from './data.js';

export interface FeatureFiles {
  file: string;
  set: FeatureSet;
}

export interface EncoderFeatures {
  train: FeatureFiles;
  val: FeatureFiles;
  /** Features of rotated training images (--augment). */
  trainAugmented?: FeatureFiles;
}

export interface FeatureStageOptions {
  out: string;
  device: Device;
  threads?: number;
  offline?: boolean;
  seed: number;
  log: (line: string) => void;
}

async function extractSplit(
  encoderId: string,
  encoder: Awaited<ReturnType<typeof loadEncoder>>,
  split: SplitData,
  file: string,
  log: (line: string) => void,
): Promise<FeatureFiles> {
  const result = await extractFeatures({ questions: split.records, images: split.images, encoder, out: file, progress: false, log });
  if (!result.upToDate) log(`features: ${encoderId} -> ${file} (${result.computedRows} rows computed)`);
  return { file, set: await readFeatures(file, { images: split.records.map((r) => r.image) }) };
}

/** Extracts train/val features with `encoderId` loaded from `source`. */
export async function encoderFeatures(
  encoderId: string,
  source: string | undefined,
  data: CompareData,
  augment: boolean,
  o: FeatureStageOptions,
): Promise<EncoderFeatures> {
  const encoder = await loadEncoder(encoderId, {
    ...(source !== undefined ? { source } : {}),
    device: o.device,
    ...(o.threads !== undefined ? { threads: o.threads } : {}),
    ...(o.offline ? { offline: true } : {}),
  });
  try {
    const dir = join(o.out, 'features');
    const train = await extractSplit(encoderId, encoder, data.train, join(dir, `train.${encoderId}.safetensors`), o.log);
    const val = await extractSplit(encoderId, encoder, data.val, join(dir, `val.${encoderId}.safetensors`), o.log);
    if (!augment) return { train, val };
    const rotated = { records: data.train.records, images: new RotatedImageSource(data.train.images, o.seed) };
    const trainAugmented = await extractSplit(encoderId, encoder, rotated, join(dir, `train-rotated.${encoderId}.safetensors`), o.log);
    return { train, val, trainAugmented };
  } finally {
    await encoder.dispose();
  }
}
