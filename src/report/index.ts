/**
 * Public API of the comparison report: the input, the numbers (accuracies by `evaluate`, bootstrap intervals, paired
 * tests), the figures, the gallery, the writers, and the self-containment check of the HTML.
 */
export {
  checkComparisonInput,
  type AnswerSelectionSummary,
  type ComparisonInput,
  type DatasetInfo,
  type ModelInput,
  type PromptInfo,
  type ReportOptions,
  type RunInfo,
} from './input.js';
export {
  bootstrapMeanCI,
  bootstrapMeans,
  DEFAULT_STATS,
  pairedComparison,
  quantile,
  signFlipTest,
  type Interval,
  type MeanWithInterval,
  type PairedComparison,
  type SignFlipResult,
  type StatsOptions,
} from './stats.js';
export { computeResults, evaluateModels, METRIC_DESCRIPTIONS, type ReportResults } from './results.js';
export type { Evaluations, MetricResult, ModelResults, PairwiseResult } from './model-results.js';
export { selectGallery, thumbnail, type Gallery, type GalleryExample } from './gallery.js';
export { GALLERY_CATEGORIES, type GalleryLimits } from './gallery-groups.js';
export { accuracyBarsSpec, accuracyOverlaySpec, renderFigure, renderSvg, reportFigures, trainingCurvesSpec } from './plots.js';
export type { FigureFile, ReportDocument } from './document.js';
export { renderMarkdown } from './markdown.js';
export { renderHtml } from './html.js';
export { assertSelfContained, selfContainedProblems } from './self-contained.js';
export { writeReport, type ReportFiles } from './write.js';
