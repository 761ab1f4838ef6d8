/**
 * The data stage of `vizwiz compare`: the splits every model is trained and validated on.
 * - Embedded default (no --data): the synthetic sample dataset, generated once into OUT/data.
 * - --data DIR: the official release layout, untouched (Annotations.zip or Annotations/, train.zip or train/, ...).
 * - --holdout F: the seed report's protocol - a seeded fraction F of train becomes the validation split (the
 *   official val is not used).
 * - --smoke: every split clipped to a handful of examples (big_vision's runlocal idea), for CI.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { VizWizError } from '../errors.js';
import { Rng } from '../engine/rng.js';
import { writeJsonAtomic } from '../io/atomic-write.js';
import type { ImageSource } from '../data/image-source.js';
import { loadSplitRecords, openSplitImages } from '../data/layout.js';
import { generateSample } from '../data/sample/index.js';
import type { VizWizRecord } from '../data/types.js';

export interface SplitData {
  records: VizWizRecord[];
  images: ImageSource;
}

export interface DatasetInfo {
  name: string;
  path: string;
  /** sha256 over the train and val records (image, question, answers), in order. */
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
  log: (line: string) => void;
}

/** Rows kept by --smoke. */
export const SMOKE_ROWS = { train: 48, val: 16 } as const;

function recordsHash(...splits: readonly VizWizRecord[][]): string {
  const h = createHash('sha256');
  for (const records of splits) for (const r of records) h.update(JSON.stringify([r.image, r.question, r.answers]));
  return h.digest('hex');
}

async function ensureSample(o: DataOptions): Promise<string> {
  const dir = join(o.out, 'data');
  const marker = join(dir, 'sample.json');
  if (!existsSync(marker)) {
    const summary = await generateSample({ out: dir, n: o.sampleSize, seed: o.seed });
    await writeJsonAtomic(marker, { n: o.sampleSize, seed: o.seed, splits: summary.splits });
    o.log(`data: wrote the sample dataset (${o.sampleSize} questions) to ${dir}`);
  }
  return dir;
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
  return {
    annotations,
    train: { records: train, images: trainImages },
    val: { records: val, images: valImages },
    info: {
      name: o.data ? 'VizWiz' : 'vizwiz sample (synthetic)',
      path: dir,
      hash: recordsHash(train, val),
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
