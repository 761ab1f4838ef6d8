/**
 * Every number of a comparison report, computed from the models' predictions and records: both accuracy variants by
 * the project's `evaluate` (overall and per answer type, as the official tool reports them: percent, 2 decimals),
 * answerability AP/F1 when the predictions carry confidences, bootstrap confidence intervals of the overall accuracy
 * and a paired test between every pair of models (stats.ts). Interval bounds and differences are in percent (points
 * for differences), rounded to 2 decimals as the accuracies are; p-values are kept exact. The gallery's examples are
 * chosen here too (gallery.ts). `results.json` is this object plus the figure files, and the Markdown and HTML
 * reports only format it.
 */
import { ANSWER_TYPES, type AnswerType } from '../data/types.js';
import { ACCURACY_METRICS, type AccuracyMetric } from '../eval/accuracy.js';
import { evaluate, type EvaluationResult } from '../eval/evaluate.js';
import { pyRound } from '../eval/python-float.js';
import type { Provenance } from '../provenance.js';
import { selectGallery, type Gallery } from './gallery.js';
import type { QualityReportEntry } from './quality-section.js';
import type { BestEpoch, Evaluations, MetricResult, ModelResults, PairwiseResult, QuantizedResult, StatisticsInfo } from './model-results.js';
import { normalizeAnswer } from '../text/normalize.js';
import type { EpochRecord } from '../train/trainer.js';
import { levelName } from './summary.js';
import { checkComparisonInput, type ComparisonInput, type DatasetInfo, type ModelInput, type QuantizationInfo, type ReportOptions } from './input.js';
import { bootstrapMeanCI, DEFAULT_STATS, pairedComparison } from './stats.js';

export const METRIC_DESCRIPTIONS: Record<AccuracyMetric, string> = {
  official: 'official VizWiz accuracy: min(1, matches/3) averaged over the 10 leave-one-out subsets of 9 annotators',
  seed: "seed report's formula: min(1, matches/3) over all 10 answers",
};

export interface ReportResults {
  title: string;
  dataset: DatasetInfo;
  metricNote: string;
  metrics: Record<AccuracyMetric, string>;
  /** Validation questions scored, and how many of each answer type. */
  questions: number;
  answerTypeCounts: Record<AnswerType, number>;
  statistics: StatisticsInfo;
  models: ModelResults[];
  pairwise: PairwiseResult[];
  gallery: Gallery;
  /** Photo-quality heads (empty when the data has no quality labels). */
  quality: QualityReportEntry[];
  provenance: Provenance;
  /** Present when models were also scored with quantized weights (each model's `quantized`). */
  quantization?: QuantizationInfo;
}

const pct = (x: number): number => pyRound(100 * x, 2);

/** Scores every model with both metric variants (after checking the input). */
export function evaluateModels(input: ComparisonInput): Evaluations {
  checkComparisonInput(input);
  return input.models.map(
    (m) =>
      Object.fromEntries(ACCURACY_METRICS.map((metric) => [metric, evaluate(m.records, m.predictions, { metric })])) as Record<
        AccuracyMetric,
        EvaluationResult
      >,
  );
}

function bestEpoch(history: readonly EpochRecord[] | undefined): BestEpoch | null {
  let best: BestEpoch | null = null;
  for (const e of history ?? []) {
    if (Number.isFinite(e.valAccuracy) && (best === null || e.valAccuracy > best.valAccuracy)) {
      best = { epoch: e.epoch, valAccuracy: e.valAccuracy };
    }
  }
  return best;
}

/** A model's overall accuracy with quantized weights and its difference to float32 (`float`: both variants). */
function quantizedResult(m: ModelInput, float: Record<AccuracyMetric, EvaluationResult>): QuantizedResult | null {
  const q = m.quantized;
  if (q === undefined) return null;
  const accuracy = Object.fromEntries(ACCURACY_METRICS.map((metric) => [metric, evaluate(m.records, q.predictions, { metric }).overall])) as Record<
    AccuracyMetric,
    number
  >;
  const difference = Object.fromEntries(ACCURACY_METRICS.map((metric) => [metric, pyRound(accuracy[metric] - float[metric].overall, 2)])) as Record<
    AccuracyMetric,
    number
  >;
  const sameAnswers = q.predictions.filter((p, i) => normalizeAnswer(p.answer) === normalizeAnswer(m.predictions[i]!.answer)).length;
  return { scheme: q.scheme, accuracy, difference, sameAnswers, run: q.run ?? null };
}

function accuracies(result: EvaluationResult): number[] {
  return result.perQuestion.map((q) => q.accuracy);
}

/** Computes the report's numbers; `evaluations` may be passed when already computed by `evaluateModels`. */
export function computeResults(input: ComparisonInput, options: ReportOptions = {}, evaluations: Evaluations = evaluateModels(input)): ReportResults {
  const stats = { ...DEFAULT_STATS, ...options.statistics };
  const records = input.models[0]!.records;
  const metricResult = (result: EvaluationResult): MetricResult => {
    const ci = bootstrapMeanCI(accuracies(result), stats);
    return {
      metric: result.metric,
      overall: result.overall,
      ci: { lower: pct(ci.lower), upper: pct(ci.upper) },
      perAnswerType: result.perAnswerType,
    };
  };
  const models = input.models.map((m, i): ModelResults => {
    const ev = evaluations[i]!;
    return {
      id: m.id,
      label: m.label,
      description: m.description,
      config: m.config,
      seed: m.seed,
      prompt: m.prompt ?? null,
      answerSelection: m.answerSelection ?? null,
      run: m.run ?? null,
      timings: m.timings,
      history: m.history ?? null,
      bestEpoch: bestEpoch(m.history),
      accuracy: { official: metricResult(ev.official), seed: metricResult(ev.seed) },
      answerability: ev.official.answerability ?? null,
      ...(input.quantization !== undefined ? { quantized: quantizedResult(m, ev) } : {}),
    };
  });
  const pairwise: PairwiseResult[] = [];
  for (const metric of ACCURACY_METRICS) {
    for (let i = 0; i < models.length; i++) {
      for (let j = i + 1; j < models.length; j++) {
        const c = pairedComparison(accuracies(evaluations[i]![metric]), accuracies(evaluations[j]![metric]), stats);
        pairwise.push({
          metric,
          a: models[i]!.id,
          b: models[j]!.id,
          difference: pct(c.difference),
          ci: { lower: pct(c.lower), upper: pct(c.upper) },
          pValue: c.pValue,
          test: c.method,
          nonZero: c.nonZero,
          aBetter: c.aBetter,
          bBetter: c.bBetter,
        });
      }
    }
  }
  const level = levelName(stats.level);
  return {
    title: input.title,
    dataset: input.dataset,
    metricNote: input.metricNote,
    metrics: METRIC_DESCRIPTIONS,
    questions: records.length,
    answerTypeCounts: Object.fromEntries(ANSWER_TYPES.map((t) => [t, records.filter((r) => r.answer_type === t).length])) as Record<AnswerType, number>,
    statistics: {
      resamples: stats.resamples,
      seed: stats.seed,
      level: stats.level,
      exactLimit: stats.exactLimit,
      interval: `${level} percentile bootstrap over questions, ${stats.resamples} resamples, seed ${stats.seed}`,
      test:
        `two-sided paired sign-flip test on per-question accuracy differences: exact over all sign patterns when at ` +
        `most ${stats.exactLimit} questions differ, otherwise ${stats.resamples} random sign patterns, ` +
        'p = (1 + hits) / (resamples + 1); no multiple-comparison adjustment',
    },
    models,
    pairwise,
    gallery: selectGallery(
      records,
      evaluations,
      models.map((m) => m.id),
      options.gallery,
    ),
    quality: input.quality ?? [],
    provenance: input.provenance,
    ...(input.quantization !== undefined ? { quantization: input.quantization } : {}),
  };
}
