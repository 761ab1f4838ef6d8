/**
 * Answerability scores as the official VizWiz-VQA evaluation computes them (`evaluate_unanswerability`): the positive
 * class is "unanswerable", label = 1 - answerable, score = 1.0 - predicted answerable confidence, and
 *
 * - average precision is scikit-learn's `average_precision_score` (no interpolation): scores sorted descending, one
 *   threshold per distinct score (tied scores enter together), precision = TP/(TP+FP) and recall = TP/P at each
 *   threshold, AP = -sum(diff(recall) * precision[:-1]) over the curve reversed and closed with (recall 0,
 *   precision 1), i.e. sum_n (R_n - R_{n-1}) P_n; the final sum is NumPy's pairwise sum. With no positive label
 *   recall is 1 everywhere and AP is 0 (scikit-learn 1.2 warns and returns that);
 * - F1 is scikit-learn's `f1_score(labels, score > 0.5)` (strictly greater: a confidence of exactly 0.5 counts as
 *   answerable), computed as 2*P*R/(P+R) with 0 when undefined.
 */
import { numpySum } from './numpy-sum.js';

export interface AnswerabilityScores {
  average_precision: number;
  f1: number;
}

/** scikit-learn `average_precision_score(labels, scores)` for binary labels (1 = positive). */
export function averagePrecision(labels: readonly number[], scores: readonly number[]): number {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const tps: number[] = [];
  const fps: number[] = [];
  let tp = 0;
  let fp = 0;
  order.forEach((idx, k) => {
    if (labels[idx] === 1) tp++;
    else fp++;
    const next = order[k + 1];
    if (next === undefined || scores[next] !== scores[idx]) {
      tps.push(tp);
      fps.push(fp);
    }
  });
  const total = tps[tps.length - 1] ?? 0;
  const count = tps.length;
  // Reversed curve: index j holds threshold count-1-j; closed by recall 0 / precision 1.
  const recall = (j: number): number => (j === count ? 0 : total === 0 ? 1 : tps[count - 1 - j]! / total);
  const precision = (j: number): number => {
    const t = tps[count - 1 - j]!;
    return t / (t + fps[count - 1 - j]!);
  };
  const terms: number[] = [];
  for (let j = 0; j < count; j++) terms.push((recall(j + 1) - recall(j)) * precision(j));
  return -numpySum(terms);
}

/** scikit-learn `f1_score(labels, predicted)` for binary labels and predictions (1 = positive). */
export function f1Score(labels: readonly number[], predicted: readonly boolean[]): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  labels.forEach((label, i) => {
    if (predicted[i]) {
      if (label === 1) tp++;
      else fp++;
    } else if (label === 1) fn++;
  });
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const denom = precision + recall;
  return denom === 0 ? 0 : (2 * precision * recall) / denom;
}

/**
 * Answerability AP and F1 (fractions in [0, 1]) from ground-truth `answerable` flags and predicted answerable
 * confidences, unanswerable being the positive class.
 */
export function answerabilityScores(answerable: readonly (0 | 1)[], confidences: readonly number[]): AnswerabilityScores {
  const labels = answerable.map((a) => 1 - a);
  const scores = confidences.map((c) => 1.0 - c);
  return {
    average_precision: averagePrecision(labels, scores),
    f1: f1Score(
      labels,
      scores.map((s) => s > 0.5),
    ),
  };
}
