/**
 * The quality head's labels: seven flags a blind user can act on, taken from the QualityIssues worker counts.
 * A flag is present when at least `threshold` workers marked it (2 of 5 by default, the usual reading of the
 * release). "Other" and "no issue" are not flags: nothing can be advised for them. Labels are aligned to a split's
 * rows (feature rows follow annotation order) by image name; rows whose image has no quality entry are left out.
 */
import { VizWizError } from '../errors.js';
import type { FlawCode, QualityRecord } from './quality-annotations.js';

export const QUALITY_FLAGS = ['blur', 'too_dark', 'too_bright', 'framing', 'obstruction', 'rotation', 'unrecognizable'] as const;
export type QualityFlag = (typeof QUALITY_FLAGS)[number];

/** Where each flag's count comes from. */
const FLAG_SOURCE: Readonly<Record<QualityFlag, FlawCode | 'unrecognizable'>> = {
  blur: 'BLR',
  too_dark: 'DRK',
  too_bright: 'BRT',
  framing: 'FRM',
  obstruction: 'OBS',
  rotation: 'ROT',
  unrecognizable: 'unrecognizable',
};

export const DEFAULT_QUALITY_THRESHOLD = 2;

function checkThreshold(threshold: number): void {
  if (!Number.isInteger(threshold) || threshold < 1) {
    throw new VizWizError('INVALID_ARGUMENT', `the quality threshold must be a whole number of workers >= 1, got ${threshold}`);
  }
}

/** Workers who marked `flag` on the image. */
function flagCount(record: QualityRecord, flag: QualityFlag): number {
  const source = FLAG_SOURCE[flag];
  return source === 'unrecognizable' ? record.unrecognizable : record.flaws[source];
}

/** The record's flags as 0/1, in QUALITY_FLAGS order. */
export function qualityTargets(record: QualityRecord, threshold = DEFAULT_QUALITY_THRESHOLD): Float32Array {
  checkThreshold(threshold);
  return Float32Array.from(QUALITY_FLAGS, (flag) => (flagCount(record, flag) >= threshold ? 1 : 0));
}

export interface AlignedQuality {
  /** Rows of the split that have a quality entry, ascending. */
  rows: Int32Array;
  /** [rows of the split, QUALITY_FLAGS.length] 0/1 targets; rows without an entry stay 0 and are not in `rows`. */
  targets: Float32Array;
  /** Rows of the split without a quality entry. */
  missing: number;
}

/** Labels for a split whose rows are `images` (annotation order; an image may repeat, one row per question). */
export function alignQuality(images: readonly string[], records: readonly QualityRecord[], threshold = DEFAULT_QUALITY_THRESHOLD): AlignedQuality {
  checkThreshold(threshold);
  const byImage = new Map(records.map((r) => [r.image, r]));
  const f = QUALITY_FLAGS.length;
  const targets = new Float32Array(images.length * f);
  const rows: number[] = [];
  images.forEach((image, row) => {
    const record = byImage.get(image);
    if (!record) return;
    rows.push(row);
    targets.set(qualityTargets(record, threshold), row * f);
  });
  return { rows: Int32Array.from(rows), targets, missing: images.length - rows.length };
}
