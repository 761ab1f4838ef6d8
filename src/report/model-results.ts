/**
 * The shapes of a report's per-model and pairwise results (what results.ts computes and the renderers read), kept
 * apart from the computation so the gallery and summaries can use them without importing it.
 */
import type { AnswerType } from '../data/types.js';
import type { AccuracyMetric } from '../eval/accuracy.js';
import type { AnswerabilityScores } from '../eval/answerability.js';
import type { EvaluationResult } from '../eval/evaluate.js';
import type { EpochRecord } from '../train/trainer.js';
import type { AnswerSelectionSummary, PromptInfo, RunInfo } from './input.js';
import type { Interval, SignFlipMethod } from './stats.js';

export interface MetricResult {
  metric: AccuracyMetric;
  /** Percent, 2 decimals, as `vizwiz eval` reports it. */
  overall: number;
  /** Percentile bootstrap interval of `overall`, percent, 2 decimals. */
  ci: Interval;
  perAnswerType: Record<AnswerType, number | null>;
}

export interface BestEpoch {
  epoch: number;
  valAccuracy: number;
}

export interface ModelResults {
  id: string;
  label: string;
  description: string;
  config: unknown;
  seed: number;
  prompt: PromptInfo | null;
  /** How the training targets were chosen; null for models without selected targets. */
  answerSelection: AnswerSelectionSummary | null;
  /** The cached run the numbers come from; null when not given. */
  run: RunInfo | null;
  timings: Record<string, number>;
  history: EpochRecord[] | null;
  /** The epoch with the highest val accuracy in `history` (the first such), or null without a history. */
  bestEpoch: BestEpoch | null;
  /** Overall and per-type accuracy in each metric variant. */
  accuracy: Record<AccuracyMetric, MetricResult>;
  /** Percent, 2 decimals; null when a prediction lacks an `answerable` confidence. */
  answerability: AnswerabilityScores | null;
  /**
   * Only in a comparison with quantized models (ReportResults.quantization): this model's accuracy with quantized
   * weights, or null when it has none (nothing quantizable).
   */
  quantized?: QuantizedResult | null;
}

/** A model's validation accuracy with quantized weights, beside its float32 accuracy. */
export interface QuantizedResult {
  scheme: string;
  /** Overall accuracy per metric variant, percent, 2 decimals (as `vizwiz eval` reports it). */
  accuracy: Record<AccuracyMetric, number>;
  /** Quantized minus float32 overall accuracy per metric variant, percentage points, 2 decimals. */
  difference: Record<AccuracyMetric, number>;
  /** Questions whose normalised answer equals the float32 model's. */
  sameAnswers: number;
  /** The cached run the quantized answers come from; null when not given. */
  run: RunInfo | null;
}

export interface PairwiseResult {
  metric: AccuracyMetric;
  a: string;
  b: string;
  /** Mean accuracy of a minus that of b, percentage points, 2 decimals. */
  difference: number;
  /** Paired percentile bootstrap interval of the difference, points, 2 decimals. */
  ci: Interval;
  /** Two-sided paired sign-flip test. */
  pValue: number;
  test: SignFlipMethod;
  /** Questions where the models' accuracies differ, where a scores higher, where b does. */
  nonZero: number;
  aBetter: number;
  bBetter: number;
}

export interface StatisticsInfo {
  resamples: number;
  seed: number;
  level: number;
  exactLimit: number;
  interval: string;
  test: string;
}

/** Both metric variants of each model, in model order: the `evaluate` results the report is built on. */
export type Evaluations = Record<AccuracyMetric, EvaluationResult>[];
