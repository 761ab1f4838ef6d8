/**
 * A model's training in table rows and lines:
 * - its history: epochs run, the best epoch and its val accuracy (the history's metric, official), the last epoch's
 *   losses (4 decimals) and the summed epoch time. Models without a history show "-";
 * - its training targets: the answer-selection rule and how many targets each step decided ("-" for a step the rule
 *   does not have, or for a model without selected targets).
 */
import { SELECTION_RULES, SELECTION_STEPS, type SelectionRule } from '../data/answer-selection.js';
import { fmt2 } from './format.js';
import type { ModelResults } from './model-results.js';

/** Column titles of the selection steps. */
export const SELECTION_STEP_NAMES: Readonly<Record<SelectionRule, string>> = {
  majority: 'majority',
  'dataset-frequency': 'dataset frequency',
  levenshtein: 'Levenshtein',
  'code-point-order': 'code-point order',
};

/** The rule and one cell per step (SELECTION_RULES order). */
export function selectionCells(model: Pick<ModelResults, 'answerSelection'>): { rule: string; steps: string[] } {
  const s = model.answerSelection;
  if (!s) return { rule: '-', steps: SELECTION_RULES.map(() => '-') };
  return { rule: s.rule, steps: SELECTION_RULES.map((r) => (SELECTION_STEPS[s.rule].includes(r) ? String(s.decidedBy[r]) : '-')) };
}

/** "majority 40, Levenshtein 7, code-point order 1": the counts of the rule's own steps. */
export function decidedByLine(model: Pick<ModelResults, 'answerSelection'>): string {
  const s = model.answerSelection;
  if (!s) return '';
  return SELECTION_STEPS[s.rule].map((r) => `${SELECTION_STEP_NAMES[r]} ${s.decidedBy[r]}`).join(', ');
}

export interface HistorySummary {
  epochs: string;
  bestEpoch: string;
  bestAccuracy: string;
  trainLoss: string;
  valLoss: string;
  /** Seconds over all epochs, or null without a history. */
  seconds: number | null;
}

const loss = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(4));

export function historySummary(model: Pick<ModelResults, 'history' | 'bestEpoch'>): HistorySummary {
  const history = model.history ?? [];
  const last = history[history.length - 1];
  if (last === undefined) return { epochs: '-', bestEpoch: '-', bestAccuracy: '-', trainLoss: '-', valLoss: '-', seconds: null };
  return {
    epochs: String(history.length),
    bestEpoch: model.bestEpoch ? String(model.bestEpoch.epoch) : '-',
    bestAccuracy: fmt2(model.bestEpoch?.valAccuracy),
    trainLoss: loss(last.trainLoss),
    valLoss: loss(last.valLoss),
    seconds: history.reduce((s, e) => s + (Number.isFinite(e.seconds) ? e.seconds : 0), 0),
  };
}

/** A confidence level as a percentage name: 0.95 -> "95%". */
export function levelName(level: number): string {
  return `${Number((100 * level).toPrecision(6))}%`;
}
