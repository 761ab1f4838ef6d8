/**
 * Scoring a set of predictions against VizWiz train/val records, reported as the official VizWiz-VQA evaluation
 * reports it: overall and per-answer-type accuracy as round(100 * sum(acc) / count, 2) (Python's expression order,
 * left-to-right sum, ties to even), and answerability AP / F1 as round(100 * x, 2) when every prediction carries an
 * `answerable` confidence. Per-question accuracies are kept unrounded (fractions in [0, 1]).
 */
import { ANSWER_TYPES, type AnswerType, type Prediction, type VizWizRecord } from '../data/types.js';
import { VizWizError } from '../errors.js';
import { type AccuracyMetric, type AccuracyOptions, questionAccuracy } from './accuracy.js';
import { answerabilityScores, type AnswerabilityScores } from './answerability.js';
import { pyRound, pySum } from './python-float.js';

export interface QuestionResult {
  image: string;
  answer_type: AnswerType;
  /** The raw predicted answer. */
  answer: string;
  /** Accuracy in [0, 1], unrounded. */
  accuracy: number;
}

export interface EvaluationResult {
  metric: AccuracyMetric;
  normalizeGroundTruth: boolean;
  /** Percent, 2 decimals. */
  overall: number;
  /** Percent, 2 decimals; null for a type with no question. */
  perAnswerType: Record<AnswerType, number | null>;
  /** Percent, 2 decimals; present only when every prediction carries `answerable`. */
  answerability?: AnswerabilityScores;
  perQuestion: QuestionResult[];
}

/** The official reported percentage: Python `round(100*float(sum(accs))/len(accs), 2)`. */
export function reportedPercent(accuracies: readonly number[]): number {
  return pyRound((100 * pySum(accuracies)) / accuracies.length, 2);
}

/**
 * Scores `predictions` (aligned with `records`, e.g. by matchPredictions) against `records`.
 * Options: metric 'official' (default, leave-one-out) or 'seed'; normalizeGroundTruth (default false).
 */
export function evaluate(records: readonly VizWizRecord[], predictions: readonly Prediction[], options: AccuracyOptions = {}): EvaluationResult {
  if (records.length === 0) throw new VizWizError('INVALID_ANNOTATIONS', 'no annotated questions to evaluate');
  if (predictions.length !== records.length) {
    throw new VizWizError('INVALID_PREDICTIONS', `expected one prediction per question (${records.length}), got ${predictions.length}`);
  }
  const metric = options.metric ?? 'official';
  const normalizeGroundTruth = options.normalizeGroundTruth ?? false;
  const perQuestion = records.map((record, i): QuestionResult => {
    const prediction = predictions[i]!;
    if (prediction.image !== record.image) {
      throw new VizWizError('INVALID_PREDICTIONS', `prediction ${i} is for ${prediction.image}, expected ${record.image}`);
    }
    return {
      image: record.image,
      answer_type: record.answer_type,
      answer: prediction.answer,
      accuracy: questionAccuracy(prediction.answer, record.answers, { metric, normalizeGroundTruth }),
    };
  });
  const perAnswerType = Object.fromEntries(
    ANSWER_TYPES.map((type) => {
      const accs = perQuestion.filter((q) => q.answer_type === type).map((q) => q.accuracy);
      return [type, accs.length > 0 ? reportedPercent(accs) : null];
    }),
  ) as Record<AnswerType, number | null>;
  const result: EvaluationResult = {
    metric,
    normalizeGroundTruth,
    overall: reportedPercent(perQuestion.map((q) => q.accuracy)),
    perAnswerType,
    perQuestion,
  };
  const confidences = predictions.map((p) => p.answerable);
  if (confidences.every((c): c is number => c !== undefined)) {
    const scores = answerabilityScores(
      records.map((r) => r.answerable),
      confidences,
    );
    result.answerability = {
      average_precision: pyRound(100 * scores.average_precision, 2),
      f1: pyRound(100 * scores.f1, 2),
    };
  }
  return result;
}
