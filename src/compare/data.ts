/**
 * The data stage of `vizwiz compare`: the splits every model is trained and validated on.
 * - Embedded default (no --data): the synthetic sample dataset, generated once into OUT/data.
 * - --data DIR: the official release layout, untouched (Annotations.zip or Annotations/, train.zip or train/, ...).
 * - --holdout F: the seed report's protocol - a seeded fraction F of train becomes the validation split (the
 *   official val is not used).
 * - --smoke: every split clipped to a handful of examples (big_vision's runlocal idea), for CI.
 * The sample is regenerated when its size or seed differs from the one on disk (data/sample.json says which it is).
 * The splits' content identities (identity.ts) key every later stage: an edited annotation or a replaced image
 * makes the stages that read it compute again.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { VizWizError } from '../errors.js';
import { Rng } from '../random/rng.js';
import { writeJsonAtomic } from '../io/atomic-write.js';
import type { ImageSource } from '../data/image-source.js';
import { loadSplitRecords, openSplitImages } from '../data/layout.js';
import { generateSample } from '../data/sample/index.js';
import type { VizWizRecord } from '../data/types.js';
import type { FileHashes } from './file-hashes.js';
import { imagesIdentity, recordsIdentity } from './identity.js';

export interface SplitData {
  records: VizWizRecord[];
  images: ImageSource;
  /** Content identities of the records and of their images (stage keys). */
  identity: { records: string; images: string };
}

export interface DatasetInfo {
  name: string;
  path: string;
  /** sha256 over the train and val records (every field, in order) and the content of their images. */
  hash: string;
  train: number;
  val: number;
  holdout: number | null;
  smoke: boolean;
}

export interface CompareData {
  train: SplitData;
  val: SplitData;
  info: DatasetInfo;
  /** The train and val annotations actually used (after --holdout / --smoke), for `vizwiz eval` on the predictions. */
  annotations: { train: string; val: string };
  close(): Promise<void>;
}

export interface DataOptions {
  out: string;
  data?: string;
  holdout?: number;
  smoke: boolean;
  seed: number;
  /** Sample size of the embedded default. */
  sampleSize: number;
  /** Content hashes of image files, remembered across runs. */
  hashes: FileHashes;
  log: (line: string) => void;
}

/** Rows kept by --smoke. */
export const SMOKE_ROWS = { train: 48, val: 16 } as const;

async function sampleOnDisk(marker: string): Promise<{ n?: number; seed?: number } | undefined> {
  try {
    return JSON.parse(await readFile(marker, 'utf8')) as { n?: number; seed?: number };
  } catch {
    return undefined;
  }
}

async function ensureSample(o: DataOptions): Promise<string> {
  const dir = join(o.out, 'data');
  const marker = join(dir, 'sample.json');
  const existing = await sampleOnDisk(marker);
  if (existing?.n === o.sampleSize && existing.seed === o.seed) return dir;
  if (existing || existsSync(dir)) {
    const was = `${existing?.n ?? 'unknown'} questions, seed ${existing?.seed ?? 'unknown'}`;
    o.log(`data: ${dir} holds a sample of ${was}; writing ${o.sampleSize} questions, seed ${o.seed}`);
    await rm(marker, { force: true });
    await rm(dir, { recursive: true, force: true });
  }
  const summary = await generateSample({ out: dir, n: o.sampleSize, seed: o.seed });
  await writeJsonAtomic(marker, { n: o.sampleSize, seed: o.seed, splits: summary.splits });
  o.log(`data: wrote the sample dataset (${o.sampleSize} questions, seed ${o.seed}) to ${dir}`);
  return dir;
}

async function splitData(records: VizWizRecord[], images: ImageSource, hashes: FileHashes): Promise<SplitData> {
  const identity = {
    records: recordsIdentity(records),
    images: await imagesIdentity(
      images,
      records.map((r) => r.image),
      hashes,
    ),
  };
  return { records, images, identity };
}

/** Splits `records` into (kept, held out) with a seeded permutation; the held-out part keeps file order. */
export function holdOut(records: readonly VizWizRecord[], fraction: number, seed: number): [VizWizRecord[], VizWizRecord[]] {
  if (!(fraction > 0 && fraction < 1)) throw new VizWizError('INVALID_ARGUMENT', `--holdout must be between 0 and 1, got ${fraction}`);
  const n = Math.max(1, Math.round(records.length * fraction));
  const held = new Set(new Rng(seed).permutation(records.length).subarray(0, n));
  return [records.filter((_, i) => !held.has(i)), records.filter((_, i) => held.has(i))];
}

export async function loadCompareData(o: DataOptions): Promise<CompareData> {
  const dir = o.data ?? (await ensureSample(o));
  let train = await loadSplitRecords(dir, 'train');
  const trainImages = await openSplitImages(dir, 'train');
  let val: VizWizRecord[];
  let valImages: ImageSource;
  if (o.holdout !== undefined) {
    [train, val] = holdOut(train, o.holdout, o.seed);
    valImages = trainImages;
  } else {
    val = await loadSplitRecords(dir, 'val');
    valImages = await openSplitImages(dir, 'val');
  }
  if (o.smoke) {
    train = train.slice(0, SMOKE_ROWS.train);
    val = val.slice(0, SMOKE_ROWS.val);
  }
  const annotations = { train: join(o.out, 'annotations', 'train.json'), val: join(o.out, 'annotations', 'val.json') };
  await writeJsonAtomic(annotations.train, train);
  await writeJsonAtomic(annotations.val, val);
  let trainSplit: SplitData;
  let valSplit: SplitData;
  try {
    trainSplit = await splitData(train, trainImages, o.hashes);
    valSplit = await splitData(val, valImages, o.hashes);
    await o.hashes.save();
  } catch (err) {
    await trainImages.close();
    if (valImages !== trainImages) await valImages.close();
    throw err;
  }
  const hash = createHash('sha256');
  for (const s of [trainSplit, valSplit]) hash.update(`${s.identity.records}\n${s.identity.images}\n`);
  return {
    annotations,
    train: trainSplit,
    val: valSplit,
    info: {
      name: o.data ? 'VizWiz' : 'vizwiz sample (synthetic)',
      path: dir,
      hash: hash.digest('hex'),
      train: train.length,
      val: val.length,
      holdout: o.holdout ?? null,
      smoke: o.smoke,
    },
    async close() {
      await trainImages.close();
      if (valImages !== trainImages) await valImages.close();
    },
  };
}
