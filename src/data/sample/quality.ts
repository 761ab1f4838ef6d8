/**
 * QualityIssues labels of the sample dataset, read off each photo's own capture settings (src/data/sample/degrade.ts)
 * as five crowd workers would mark them: the strong defect that spoils an unanswerable photo is marked by most of
 * them (heavy blur 4 of 5, near-darkness 5, subject out of frame 4) and makes its content unrecognizable (dark 4,
 * blur 3, framing 2: a subject half in frame is sometimes still recognised); the touch of blur an ordinary photo may
 * get is noticed by one worker (below the usual 2-of-5 threshold). The sample has no over-exposure, obstruction or
 * rotation, so those flags never occur in it: the quality head still has their outputs, and their average precision
 * is reported as undefined (no positives) rather than as a number.
 */
import { FLAW_CODES, type FlawCode, type QualityRecord } from '../quality-annotations.js';
import type { PlannedItem } from './plan.js';

const WORKERS = 5;
/** Blur sigma (in 96-pixel units) from which the blur is a defect rather than a touch of softness. */
const STRONG_BLUR = 3;
/** Exposure under which the photo counts as too dark (ordinary captures are 0.88-1.04, dark ones 0.05-0.13). */
const DARK_LIGHTING = 0.2;
const UNRECOGNIZABLE_BY_DEFECT = { blur: 3, dark: 4, framing: 2 } as const;

/** The QualityIssues entry of one planned photo. */
export function sampleQuality(item: PlannedItem): QualityRecord {
  const { capture, size } = item.scene;
  const blur = capture.blurSigma / (size / 96);
  const flaws = Object.fromEntries(FLAW_CODES.map((c) => [c, 0])) as Record<FlawCode, number>;
  flaws.BLR = blur >= STRONG_BLUR ? 4 : blur > 0 ? 1 : 0;
  flaws.DRK = capture.lighting < DARK_LIGHTING ? WORKERS : 0;
  flaws.FRM = capture.offset[0] !== 0 || capture.offset[1] !== 0 ? 4 : 0;
  flaws.NON = WORKERS - Math.max(flaws.BLR, flaws.DRK, flaws.FRM);
  const unrecognizable = item.degradation === 'none' ? 0 : UNRECOGNIZABLE_BY_DEFECT[item.degradation];
  return { image: item.image, unrecognizable, flaws };
}

/** A split's quality annotation file text, in the release format (compact JSON array). */
export function qualityJson(items: readonly PlannedItem[]): string {
  return JSON.stringify(items.map(sampleQuality));
}
