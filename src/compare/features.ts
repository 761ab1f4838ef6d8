/**
 * The feature stage of `vizwiz compare`: image (and question) features of both splits for each encoder the
 * requested models need, through the resumable extractor. With --augment, the training images are also encoded
 * rotated, for the augmentation ablation.
 * Each feature file is named by its stage key (stage-key.ts): the extraction's own fingerprint (rows, encoder and
 * its weights' content) and the content of the images - OUT/features/<split>.<encoder>-<key>.safetensors. The same
 * inputs find the same file (finished: reused; interrupted: resumed from its parts), other inputs extract into
 * another file, and none is deleted, as with the runs (run-cache.ts). `onCorrupt` is not in the key: a finished file
 * is the same either way (with 'stop', a corrupt image leaves no file).
 */
import { join } from 'node:path';
import type { QuantSchemeName } from '../engine/block-quantize.js';
import type { Device } from '../engine/device.js';
import { VizWizError } from '../errors.js';
import type { ImageTextEncoder } from '../models/encoder.js';
import { extractFeatures, type OnCorrupt } from '../features/extract.js';
import { readFeatures, type FeatureSet } from '../features/feature-file.js';
import { extractionFingerprint } from '../features/fingerprint.js';
import { loadEncoder } from '../features/registry.js';
import { withMetadata } from '../features/with-metadata.js';
import { RotatedImageSource } from '../images/augment.js';
import { resolveModelSource } from '../models/sources/resolve.js';
import type { CompareData, SplitData } from './data.js';
import type { FileHashes } from './file-hashes.js';
import { modelIdentity } from './identity.js';
import { stageKey } from './stage-key.js';

export interface FeatureFiles {
  file: string;
  set: FeatureSet;
  /** The stage key of the file: what it was computed from. */
  key: string;
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
  onCorrupt: OnCorrupt;
  hashes: FileHashes;
  log: (line: string) => void;
}

/** Largest rotation of the augmentation ablation, degrees (RotatedImageSource's default, the seed report's 30). */
const MAX_ROTATION = 30;

/** Hex digits of the key in a file name, as for the run folders. */
const NAME_DIGITS = 16;

/** Prefixes the image source's location to an unusable-image error that does not name it (folder or zip). */
function withLocation(err: unknown, location: string): unknown {
  if (!(err instanceof VizWizError) || (err.code !== 'INVALID_IMAGE' && err.code !== 'MISSING_IMAGE')) return err;
  if (err.message.startsWith(location)) return err;
  return new VizWizError(err.code, `${location}: ${err.message}`, { cause: err });
}

async function extractSplit(
  encoder: ImageTextEncoder,
  split: Pick<SplitData, 'records' | 'images'>,
  images: { identity: string; location: string },
  name: string,
  o: FeatureStageOptions,
): Promise<FeatureFiles> {
  const key = stageKey({ stage: 'features', format: 1, extraction: extractionFingerprint(split.records, encoder, {}), images: images.identity });
  const file = join(o.out, 'features', `${name}.${encoder.id}-${key.slice(0, NAME_DIGITS)}.safetensors`);
  let result;
  try {
    result = await extractFeatures({ questions: split.records, images: split.images, encoder, out: file, onCorrupt: o.onCorrupt, progress: false, log: o.log });
  } catch (err) {
    throw withLocation(err, images.location);
  }
  if (!result.upToDate) o.log(`features: ${encoder.id} -> ${file} (${result.computedRows} rows computed)`);
  else o.log(`features: ${encoder.id} -> ${file} reused`);
  if (result.failures.length > 0) {
    o.log(`features: ${result.failures.length} image(s) of ${images.location} skipped with zero features; listed in ${result.failuresFile}`);
  }
  return { file, set: await readFeatures(file, { images: split.records.map((r) => r.image) }), key };
}

/**
 * The encoder `encoderId` loaded from `source` (undefined: the registry's default), its vision tower block-quantized
 * with `quantize`, stamped with its weights' content: the weights join the encoder's metadata, so the extraction
 * fingerprint changes with the weights even when the source path stays the same (a local folder updated in place, a
 * tiny model of another seed). A hub source is identified by its resolved commit; a local folder by its files'
 * content. A quantized encoder's metadata also records the scheme (vision_quantized), so its features get their own key.
 */
async function stampedEncoder(encoderId: string, source: string | undefined, o: FeatureStageOptions, quantize?: QuantSchemeName): Promise<ImageTextEncoder> {
  const loaded = await loadEncoder(encoderId, {
    ...(source !== undefined ? { source } : {}),
    device: o.device,
    ...(o.threads !== undefined ? { threads: o.threads } : {}),
    ...(o.offline ? { offline: true } : {}),
    ...(quantize !== undefined ? { quantize, log: (line: string) => o.log(`features: ${encoderId}: ${line}`) } : {}),
  });
  try {
    const meta = loaded.metadata ?? {};
    const weights =
      meta.commit !== undefined
        ? { source: meta.source, commit: meta.commit }
        : meta.source !== undefined
          ? await modelIdentity(await resolveModelSource(meta.source, { offline: true }), o.hashes)
          : {};
    await o.hashes.save();
    return withMetadata(loaded, { weights: stageKey(weights) });
  } catch (err) {
    await loaded.dispose();
    throw err;
  }
}

const splitImages = (s: SplitData) => ({ identity: s.identity.images, location: s.images.location });

/** Extracts train/val features with `encoderId` loaded from `source` (undefined: the registry's default). */
export async function encoderFeatures(
  encoderId: string,
  source: string | undefined,
  data: CompareData,
  augment: boolean,
  o: FeatureStageOptions,
): Promise<EncoderFeatures> {
  const encoder = await stampedEncoder(encoderId, source, o);
  try {
    const train = await extractSplit(encoder, data.train, splitImages(data.train), 'train', o);
    const val = await extractSplit(encoder, data.val, splitImages(data.val), 'val', o);
    if (!augment) return { train, val };
    const rotated = { records: data.train.records, images: new RotatedImageSource(data.train.images, o.seed, MAX_ROTATION) };
    const rotatedImages = { identity: `${data.train.identity.images} rotated ${MAX_ROTATION} seed ${o.seed}`, location: data.train.images.location };
    const trainAugmented = await extractSplit(encoder, rotated, rotatedImages, 'train-rotated', o);
    return { train, val, trainAugmented };
  } finally {
    await encoder.dispose();
  }
}

/**
 * Validation features from `encoderId` with its vision tower quantized with `scheme` (compare --quantize): what a
 * head trained on float32 features sees when deployed on the quantized encoder. Only validation: heads are not
 * trained again (docs/decisions/010-quantization.md). OUT/features/val-<scheme>.<encoder>-<key>.safetensors.
 */
export async function quantizedValFeatures(
  encoderId: string,
  source: string | undefined,
  data: CompareData,
  scheme: QuantSchemeName,
  o: FeatureStageOptions,
): Promise<FeatureFiles> {
  const encoder = await stampedEncoder(encoderId, source, o, scheme);
  try {
    return await extractSplit(encoder, data.val, splitImages(data.val), `val-${scheme}`, o);
  } finally {
    await encoder.dispose();
  }
}
