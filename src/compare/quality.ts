/**
 * The comparison's photo-quality stage: when the dataset carries VizWiz-QualityIssues labels (the release's
 * QualityIssues folder or zip, or the embedded sample's own), a quality head is trained on each encoder's image features
 * (OUT/quality/<encoder>, where `vizwiz serve` finds it) and scored per flag on validation for the report's "Photo
 * quality" section. The head's run carries a fingerprint of its features, labels and settings (train/quality.ts), so a
 * rerun with other inputs retrains it and an unchanged one reuses it. Labels are matched to questions by image name, so
 * a validation split held out of train (--holdout) finds its labels in the train file.
 */
import { join } from 'node:path';
import type { QualityRecord } from '../data/quality-annotations.js';
import { hasSplitQuality, loadSplitQuality } from '../data/quality-layout.js';
import type { Device } from '../engine/device.js';
import { qualityReportEntry, type QualityReportEntry } from '../report/quality-section.js';
import { trainQualityHead } from '../train/quality.js';
import type { CompareData } from './data.js';
import type { EncoderFeatures } from './features.js';

export interface QualityStageOptions {
  out: string;
  seed: number;
  device: Device;
  threads?: number;
  log: (line: string) => void;
}

/** The dataset's quality labels (train and val files together), or undefined when it has none. */
async function qualityLabels(root: string): Promise<QualityRecord[] | undefined> {
  if (!hasSplitQuality(root, 'train')) return undefined;
  return [...(await loadSplitQuality(root, 'train')), ...(hasSplitQuality(root, 'val') ? await loadSplitQuality(root, 'val') : [])];
}

/** Trains (or reuses) one quality head per encoder in `features`, in encoder order; [] without quality labels. */
export async function runQualityHeads(
  data: CompareData,
  features: ReadonlyMap<string, Promise<EncoderFeatures>>,
  o: QualityStageOptions,
): Promise<QualityReportEntry[]> {
  const quality = await qualityLabels(data.info.path);
  if (!quality || features.size === 0) return [];
  const entries: QualityReportEntry[] = [];
  for (const encoder of [...features.keys()].sort()) {
    const f = await features.get(encoder)!;
    const record = await trainQualityHead({
      out: join(o.out, 'quality', encoder),
      config: { seed: o.seed, device: o.device, ...(o.threads ? { threads: o.threads } : {}) },
      train: { images: data.train.records.map((r) => r.image), features: f.train.set, quality, source: f.train.file },
      val: { images: data.val.records.map((r) => r.image), features: f.val.set, quality, source: f.val.file },
      log: o.log,
      name: `quality.${encoder}`,
    });
    entries.push(qualityReportEntry(encoder, `Quality head on ${encoder} image features`, record));
  }
  return entries;
}
