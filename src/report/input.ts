/**
 * What a comparison report is made from: the dataset, and for each model its validation predictions aligned with the
 * validation records, its configuration, seed, prompt, training history and timings, plus provenance. Every number in
 * the report is computed from these (accuracies by the project's `evaluate`), so the report cannot disagree with
 * `vizwiz eval` on the same predictions. `checkComparisonInput` rejects inputs that cannot be compared question by
 * question.
 */
import type { AnswerSelection, SelectionRule } from '../data/answer-selection.js';
import type { ImageSource } from '../data/image-source.js';
import type { Prediction, VizWizRecord } from '../data/types.js';
import { listNames, VizWizError } from '../errors.js';
import type { Provenance } from '../provenance.js';
import type { EpochRecord } from '../train/trainer.js';
import type { GalleryLimits } from './gallery-groups.js';
import type { QualityReportEntry } from './quality-section.js';
import type { StatsOptions } from './stats.js';

export interface DatasetInfo {
  /** e.g. "VizWiz-VQA" or "embedded sample". */
  name: string;
  path: string;
  /** Content hash of the annotations (and images) used. */
  hash: string;
  /** Questions per split, e.g. { train: 20523, val: 4319 }. */
  splits: Record<string, number>;
  /** Present when validation was held out of train (the seed's way): the fraction and the seed of the split. */
  holdout?: { fraction: number; seed: number };
  /** The annotation files of the splits as used (so `vizwiz eval` can rescore saved predictions). */
  annotations?: Record<string, string>;
  /** True when every split was clipped to a few examples (--smoke). */
  smoke?: boolean;
}

export interface PromptInfo {
  /** A version id, e.g. "answer-en-v1". */
  id: string;
  template: string;
}

/** How a model's training targets were chosen among the ten answers, and how many each step decided. */
export interface AnswerSelectionSummary {
  rule: AnswerSelection;
  /** The rule in words. */
  description: string;
  /** Training targets decided by each step (majority, dataset frequency, Levenshtein, code-point order). */
  decidedBy: Record<SelectionRule, number>;
}

/** Where a model's cached run lives, and the key of the inputs it was computed from. */
export interface RunInfo {
  folder: string;
  key: string;
}

export interface ModelInput {
  /** Short stable id (file names, JSON keys), e.g. "clip-linear". */
  id: string;
  /** Name shown in tables and plots. */
  label: string;
  description: string;
  /** The model's configuration, any JSON. */
  config: unknown;
  seed: number;
  prompt?: PromptInfo;
  /** For models trained on one target per question. */
  answerSelection?: AnswerSelectionSummary;
  run?: RunInfo;
  /** Per-epoch training record (history.json); valAccuracy in percent, official metric. */
  history?: EpochRecord[];
  /** Validation predictions, aligned with `records`. */
  predictions: Prediction[];
  /** Validation records, the same questions in the same order for every model. */
  records: VizWizRecord[];
  /** Seconds per stage, e.g. { extract: 12.5, train: 40.1, predict: 3.2 }. */
  timings: Record<string, number>;
  /** The same model's validation predictions with quantized weights (aligned with `records`), when it has them. */
  quantized?: { scheme: string; predictions: Prediction[]; run?: RunInfo };
}

/** A comparison that also scored models with quantized weights: the scheme and a line on what was quantized. */
export interface QuantizationInfo {
  /** e.g. "int8". */
  scheme: string;
  description: string;
}

export interface ComparisonInput {
  title: string;
  dataset: DatasetInfo;
  /** Free text on how accuracy was measured (which split, any caveat); shown under the main table. */
  metricNote: string;
  models: ModelInput[];
  provenance: Provenance;
  /** Validation images, for the gallery's thumbnails (none: the gallery has no images). */
  images?: ImageSource;
  /** Photo-quality heads and their validation scores (the "Photo quality" section), when the data has quality labels. */
  quality?: QualityReportEntry[];
  /** Present when some models were also scored with quantized weights (their `quantized` predictions). */
  quantization?: QuantizationInfo;
}

/** How the report is computed and drawn; every field has a default. */
export interface ReportOptions {
  /** Bootstrap resamples, seed, confidence level, exact-test limit (stats.ts). */
  statistics?: StatsOptions;
  /** Most gallery examples per group. */
  gallery?: GalleryLimits;
  /** Largest side of gallery thumbnails in pixels (default 128). */
  thumbnailSize?: number;
  /** PNG resolution of the figures in dots per inch; 72 keeps the SVG's pixel size (default 144, twice it). */
  pngDensity?: number;
}

function fail(message: string): never {
  throw new VizWizError('INVALID_ARGUMENT', `comparison report: ${message}`);
}

/** Throws unless there is a model, ids are unique, and every model covers the same questions in the same order. */
export function checkComparisonInput(input: ComparisonInput): void {
  const [first] = input.models;
  if (first === undefined) fail('no models to compare');
  const ids = input.models.map((m) => m.id);
  const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (duplicates.length > 0) fail(`model ids must be unique: ${listNames([...new Set(duplicates)])}`);
  for (const m of input.models) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(m.id)) fail(`model id "${m.id}" must be letters, digits, '.', '_' or '-'`);
    if (m.records.length === 0) fail(`model ${m.id} has no validation records`);
    if (m.predictions.length !== m.records.length) {
      fail(`model ${m.id} has ${m.predictions.length} predictions for ${m.records.length} records`);
    }
    if (m.quantized !== undefined) {
      if (input.quantization === undefined || m.quantized.scheme !== input.quantization.scheme) {
        fail(`model ${m.id} has ${m.quantized.scheme} predictions but the comparison's scheme is ${input.quantization?.scheme ?? 'none'}`);
      }
      if (m.quantized.predictions.length !== m.records.length) {
        fail(`model ${m.id} has ${m.quantized.predictions.length} ${m.quantized.scheme} predictions for ${m.records.length} records`);
      }
    }
    const differ = m.records.filter((r, i) => r.image !== first.records[i]?.image).map((r) => r.image);
    if (m.records.length !== first.records.length || differ.length > 0) {
      fail(
        `model ${m.id} is not evaluated on the same questions, in the same order, as ${first.id}` +
          (differ.length > 0 ? ` (first differences: ${listNames(differ, 3)})` : ''),
      );
    }
  }
}
