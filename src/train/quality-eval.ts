/**
 * Scoring the quality head: per-flag average precision (scikit-learn's `average_precision_score`, the same
 * implementation as the answerability score) of the predicted probabilities against the thresholded worker counts,
 * on the rows that have a quality entry. A flag with no positive row has no defined AP (scikit-learn would warn and
 * return 0): it is reported as null and left out of the mean, so an absent flaw never looks like a failed one.
 */
import { QUALITY_FLAGS, type AlignedQuality, type QualityFlag } from '../data/quality-labels.js';
import { averagePrecision } from '../eval/answerability.js';

export interface FlagScore {
  flag: QualityFlag;
  /** Scored rows where the flag is present. */
  positives: number;
  /** In [0, 1]; null without positives. */
  average_precision: number | null;
}

export interface QualityEvaluation {
  /** Rows scored (those with a quality entry). */
  rows: number;
  /** Rows left out for lack of a quality entry. */
  missing: number;
  /** Workers needed to count a flag as present. */
  threshold: number;
  flags: FlagScore[];
  /** Mean AP over the flags that have positives; null when none has. */
  mean_average_precision: number | null;
}

/** Scores `probs` ([rows of the split, flags]) against `labels` (alignQuality of the same split). */
export function scoreQuality(labels: AlignedQuality, probs: Float32Array, threshold: number): QualityEvaluation {
  const f = QUALITY_FLAGS.length;
  const rows = [...labels.rows];
  const flags = QUALITY_FLAGS.map((flag, k): FlagScore => {
    const truth = rows.map((r) => labels.targets[r * f + k]!);
    const scores = rows.map((r) => probs[r * f + k]!);
    const positives = truth.reduce((a, b) => a + b, 0);
    return { flag, positives, average_precision: positives > 0 ? averagePrecision(truth, scores) : null };
  });
  const defined = flags.flatMap((s) => (s.average_precision === null ? [] : [s.average_precision]));
  return {
    rows: rows.length,
    missing: labels.missing,
    threshold,
    flags,
    mean_average_precision: defined.length > 0 ? defined.reduce((a, b) => a + b, 0) / defined.length : null,
  };
}
