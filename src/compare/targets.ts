/**
 * The report's account of a model's training targets: the answer-selection rule and how many targets each of its
 * steps decided (majority / dataset frequency / Levenshtein / code-point order), over the training records.
 */
import { countDecidingRules, selectTargets, SELECTION_DESCRIPTIONS, type AnswerSelection } from '../data/answer-selection.js';
import type { VizWizRecord } from '../data/types.js';
import type { AnswerSelectionSummary } from '../report/input.js';

export function targetSelection(train: readonly VizWizRecord[], selection: AnswerSelection): AnswerSelectionSummary {
  return {
    rule: selection,
    description: SELECTION_DESCRIPTIONS[selection],
    decidedBy: countDecidingRules(selectTargets(train, selection)),
  };
}
