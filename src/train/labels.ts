/**
 * Training labels from VizWiz records: the selected target answer's class (or -1 when it is outside the answer
 * vocabulary), the official answer type's index, and answerability.
 */
import { countAnswerFrequencies, selectTargets, type AnswerFrequencies, type AnswerSelection } from '../data/answer-selection.js';
import { ANSWER_TYPES, type VizWizRecord } from '../data/types.js';
import { AnswerVocabulary, type VocabularyOptions } from '../data/vocabulary.js';

export interface Labels {
  /** Class index of each record's target, -1 when outside the vocabulary (rows skipped in training). */
  answer: Int32Array;
  /** Index into ANSWER_TYPES. */
  type: Int32Array;
  /** 1 answerable, 0 not. */
  answerable: Float32Array;
}

export function labelRecords(records: readonly VizWizRecord[], vocab: AnswerVocabulary, frequencies: AnswerFrequencies, selection: AnswerSelection): Labels {
  const targets = selectTargets(records, selection, frequencies);
  return {
    answer: Int32Array.from(targets, (t) => vocab.indexOf(t.answer) ?? -1),
    type: Int32Array.from(records, (r) => ANSWER_TYPES.indexOf(r.answer_type)),
    answerable: Float32Array.from(records, (r) => r.answerable),
  };
}

/** Builds the answer vocabulary from the training records' targets; returns it with the training-set frequencies. */
export function buildAnswerVocabulary(
  train: readonly VizWizRecord[],
  options: VocabularyOptions,
  selection: AnswerSelection,
): { vocab: AnswerVocabulary; frequencies: AnswerFrequencies } {
  const frequencies = countAnswerFrequencies(train);
  const targets = selectTargets(train, selection, frequencies).map((t) => t.answer);
  return { vocab: AnswerVocabulary.build(targets, options), frequencies };
}

/** Indices of the rows whose target is in the vocabulary. */
export function knownRows(labels: Labels): Int32Array {
  const rows: number[] = [];
  labels.answer.forEach((a, i) => {
    if (a >= 0) rows.push(i);
  });
  return Int32Array.from(rows);
}
