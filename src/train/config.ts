/**
 * Training configuration of the classifier heads, with documented defaults:
 * - the seed report where it is explicit: Adam, learning rate 0.005, 100 epochs (CLIP head; it converges by ~50);
 * - Deuser et al. / its public re-implementation elsewhere: batch 32, hidden 512, dropout 0.5, no activation,
 *   equal loss weights, 5,726 answer classes (top-K of the selected targets; other targets skipped in training),
 *   and its answer selection (majority, then training-set frequency, then Levenshtein): `vizwiz train` has always
 *   used it, so it stays the default here; `vizwiz compare` passes the seed report's rule instead.
 * The baseline uses the same optimiser settings, so the comparison isolates the features.
 */
import type { AnswerSelection } from '../data/answer-selection.js';
import type { Device } from '../engine/device.js';
import type { VocabularyOptions } from '../data/vocabulary.js';
import type { QuestionVocabularyOptions } from '../data/question-encoding.js';
import type { ScheduleKind } from './schedule.js';
import type { Activation } from '../models/heads/layers.js';

export const HEAD_NAMES = ['baseline', 'clip-linear'] as const;
export type HeadName = (typeof HEAD_NAMES)[number];

export interface TrainConfig {
  head: HeadName;
  epochs: number;
  batchSize: number;
  optimizer: 'adam' | 'adamw';
  lr: number;
  weightDecay: number;
  schedule: ScheduleKind;
  /** Warmup updates, or a fraction of all updates when in (0, 1). */
  warmup: number;
  seed: number;
  /** Hidden size (default per head: 512 for clip-linear, 0 = one linear layer for the baseline). */
  hidden?: number;
  dropout: number;
  activation: Activation;
  lossWeights: { answer: number; type: number; answerable: number };
  answers: VocabularyOptions;
  /** How each record's training target is chosen among its ten answers (src/data/answer-selection.ts). */
  answerSelection: AnswerSelection;
  /** Baseline only: the question bag-of-words vocabulary. */
  questions: QuestionVocabularyOptions;
  device: Device;
  /** Intra-op threads (default: one per core). */
  threads?: number;
}

export const TRAIN_DEFAULTS: Omit<TrainConfig, 'head'> = {
  epochs: 100,
  batchSize: 32,
  optimizer: 'adam',
  lr: 0.005,
  weightDecay: 0,
  schedule: 'constant',
  warmup: 0,
  seed: 0,
  dropout: 0.5,
  activation: 'none',
  lossWeights: { answer: 1, type: 1, answerable: 1 },
  answers: { topK: 5726, unknown: 'skip' },
  answerSelection: 'deuser',
  questions: { minCount: 1, mode: 'binary' },
  device: 'cpu',
};

export function trainConfig(head: HeadName, overrides: Partial<Omit<TrainConfig, 'head'>> = {}): TrainConfig {
  return { ...TRAIN_DEFAULTS, ...overrides, head };
}
