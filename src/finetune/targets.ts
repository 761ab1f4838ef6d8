/**
 * Training answers of a fine-tune, one per record per epoch:
 * - 'most-common' (the seed report, default): the most common normalised answer, ties broken by the run's answer
 *   selection rule (src/data/answer-selection.ts: `seed` or `deuser`); the same every epoch;
 * - 'random' (big_vision's VQA recipe): one of the ten answers drawn uniformly, anew each epoch from the epoch's seeded
 *   stream, normalised with the official normaliser like the selected ones (so both modes teach one answer style).
 */

import { countAnswerFrequencies, selectAnswer, type AnswerSelection } from '../data/answer-selection.js';
import type { VizWizRecord } from '../data/types.js';
import type { Rng } from '../random/rng.js';
import { normalizeAnswer } from '../text/normalize.js';
import { FINETUNE_DEFAULTS, type TargetMode } from './config.js';

/** The most common answer of every record, ties broken by `selection` (frequencies from `records` themselves). */
export function mostCommonAnswers(records: readonly VizWizRecord[], selection: AnswerSelection = FINETUNE_DEFAULTS.answerSelection): string[] {
  const frequencies = countAnswerFrequencies(records);
  return records.map(
    (r) =>
      selectAnswer(
        r.answers.map((a) => a.answer),
        frequencies,
        selection,
      ).answer,
  );
}

export class TrainingTargets {
  private readonly common: string[];

  constructor(
    private readonly records: readonly VizWizRecord[],
    readonly mode: TargetMode,
    readonly selection: AnswerSelection,
  ) {
    this.common = mostCommonAnswers(records, selection);
  }

  /** The answers of one epoch; `rng` is that epoch's stream (used by 'random' only). */
  forEpoch(rng: Rng): string[] {
    if (this.mode === 'most-common') return this.common;
    return this.records.map((r) => normalizeAnswer(r.answers[rng.int(r.answers.length)]?.answer ?? ''));
  }
}
