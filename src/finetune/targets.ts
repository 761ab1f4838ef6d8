/**
 * Training answers of a fine-tune, one per record per epoch:
 * - 'most-common' (the seed report, default): the project's answer selection (src/data/answer-selection.ts) - the most
 *   common normalised answer, ties broken by training-set frequency, Levenshtein distance, code-point order; the same
 *   every epoch;
 * - 'random' (big_vision's VQA recipe): one of the ten answers drawn uniformly, anew each epoch from the epoch's seeded
 *   stream, normalised with the official normaliser like the selected ones (so both modes teach one answer style).
 */

import { countAnswerFrequencies, selectAnswer } from '../data/answer-selection.js';
import type { VizWizRecord } from '../data/types.js';
import type { Rng } from '../engine/rng.js';
import { normalizeAnswer } from '../text/normalize.js';
import type { TargetMode } from './config.js';

/** The most common answer of every record (frequencies from `records` themselves). */
export function mostCommonAnswers(records: readonly VizWizRecord[]): string[] {
  const frequencies = countAnswerFrequencies(records);
  return records.map((r) => selectAnswer(r.answers.map((a) => a.answer), frequencies).answer);
}

export class TrainingTargets {
  private readonly common: string[];

  constructor(
    private readonly records: readonly VizWizRecord[],
    readonly mode: TargetMode,
  ) {
    this.common = mostCommonAnswers(records);
  }

  /** The answers of one epoch; `rng` is that epoch's stream (used by 'random' only). */
  forEpoch(rng: Rng): string[] {
    if (this.mode === 'most-common') return this.common;
    return this.records.map((r) => normalizeAnswer(r.answers[rng.int(r.answers.length)]?.answer ?? ''));
  }
}
