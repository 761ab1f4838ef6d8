/**
 * VizWiz accuracy of one predicted answer against the crowd answers, in two variants.
 *
 * `official` reproduces the official VizWiz-VQA evaluation (vqaEval.py of the VizWiz API, `VQAEval.evaluate`):
 *   the prediction is normalised (see normalize.ts); the ground-truth answers are used AS THEY ARE in the file (no
 *   strip, no lowercasing, no punctuation step); for each answer i, the other answers (by index, `i != j`) that equal
 *   the prediction are counted and min(1, count/3) is taken; the per-question accuracy is the mean of those values.
 *   With n exact matches among 10 answers this is 0.3, 0.6, 0.9, 1.0 for n = 1, 2, 3, >= 4 (the documented average
 *   over the 10 subsets of 9 annotators). The sum runs in answer order, as Python's `sum()` does, so the double is the
 *   same bit for bit.
 * `seed` is min(1, n/3) over all 10 answers: 0.333, 0.667, 1.0 (the seed report's formula, and the "count the
 *   answers" shortcut found in many copies).
 *
 * Other circulating variants, for the record (not offered): the VQA v2 API loop `item != gtAnsDatum` on VizWiz answer
 * dicts (which lack `answer_id`) drops EVERY answer identical in text and confidence to answer i, so when the n
 * matching answers share one confidence the result is (10 - n)/10 * min(1, n/3), e.g. 0 when all ten agree; the same
 * loop on plain strings always behaves that way. Neither equals min(1, n/3).
 *
 * `normalizeGroundTruth` also normalises each ground-truth answer with the same function (as lmms-eval and
 * VLMEvalKit do); the official code does not, so it is off by default.
 */
import type { VizWizAnswer } from '../data/types.js';
import { normalizeAnswer } from '../text/normalize.js';
import { pySum } from './python-float.js';

export const ACCURACY_METRICS = ['official', 'seed'] as const;
export type AccuracyMetric = (typeof ACCURACY_METRICS)[number];

export interface AccuracyOptions {
  metric?: AccuracyMetric;
  normalizeGroundTruth?: boolean;
}

/** The answers as the comparison sees them (raw, or normalised when asked). */
export function groundTruthAnswers(answers: readonly VizWizAnswer[], normalizeGroundTruth = false): string[] {
  return answers.map((a) => (normalizeGroundTruth ? normalizeAnswer(a.answer) : a.answer));
}

/** Official leave-one-out accuracy of an already normalised prediction against `answers`. */
export function leaveOneOutAccuracy(prediction: string, answers: readonly string[]): number {
  const matches = answers.reduce((n, a) => n + (a === prediction ? 1 : 0), 0);
  const perAnnotator = answers.map((a) => Math.min(1, (matches - (a === prediction ? 1 : 0)) / 3));
  return pySum(perAnnotator) / perAnnotator.length;
}

/** Seed accuracy min(1, n/3) of an already normalised prediction against `answers`. */
export function allAnswersAccuracy(prediction: string, answers: readonly string[]): number {
  const matches = answers.reduce((n, a) => n + (a === prediction ? 1 : 0), 0);
  return Math.min(1, matches / 3);
}

/** Accuracy in [0, 1] of a raw predicted answer for one question. */
export function questionAccuracy(prediction: string, answers: readonly VizWizAnswer[], options: AccuracyOptions = {}): number {
  const normalized = normalizeAnswer(prediction);
  const gt = groundTruthAnswers(answers, options.normalizeGroundTruth);
  return (options.metric ?? 'official') === 'official' ? leaveOneOutAccuracy(normalized, gt) : allAnswersAccuracy(normalized, gt);
}
