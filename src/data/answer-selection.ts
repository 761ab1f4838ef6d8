/**
 * Choosing one training target among the ten crowd answers. Two rules, each a chain of tie-breaking steps tried in
 * order until one answer is left (answers are compared after the official normalisation, so "Red." and "red" are one):
 *   seed   (the seed report): the most common answer; tie -> the smallest summed Levenshtein distance to the ten
 *          answers; still tied -> the first in code-point order;
 *   deuser (Deuser et al.): the most common answer; tie -> the one most frequent in the whole training set (counted
 *          over all ten answers of every record); then Levenshtein; then code-point order.
 * Code-point order last means the choice never depends on input order. Each selection reports the step that decided
 * it, so a run can say how many targets each step settled.
 */
import { distance } from 'fastest-levenshtein';
import { normalizeAnswer } from '../text/normalize.js';
import type { VizWizRecord } from './types.js';

/** How often each normalised answer occurs over all ten answers of every training record. */
export type AnswerFrequencies = ReadonlyMap<string, number>;

export function countAnswerFrequencies(records: readonly VizWizRecord[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const record of records) {
    for (const { answer } of record.answers) {
      const key = normalizeAnswer(answer);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** One tie-breaking step; the step that leaves a single answer decided the target. */
export type SelectionRule = 'majority' | 'dataset-frequency' | 'levenshtein' | 'code-point-order';

/** Every step, in the order reports list them. */
export const SELECTION_RULES: readonly SelectionRule[] = ['majority', 'dataset-frequency', 'levenshtein', 'code-point-order'];

/** The answer-selection rules a run can use. */
export const ANSWER_SELECTIONS = ['seed', 'deuser'] as const;
export type AnswerSelection = (typeof ANSWER_SELECTIONS)[number];

/** The steps of each rule, tried in order. */
export const SELECTION_STEPS: Readonly<Record<AnswerSelection, readonly SelectionRule[]>> = {
  seed: ['majority', 'levenshtein', 'code-point-order'],
  deuser: ['majority', 'dataset-frequency', 'levenshtein', 'code-point-order'],
};

/** One line per rule, for --help and reports. */
export const SELECTION_DESCRIPTIONS: Readonly<Record<AnswerSelection, string>> = {
  seed: "the seed report's rule: majority, then the smallest summed Levenshtein distance, then code-point order",
  deuser: "Deuser et al.'s rule: majority, then training-set frequency, then the smallest summed Levenshtein distance, then code-point order",
};

export interface SelectedAnswer {
  answer: string;
  rule: SelectionRule;
}

/** Keeps the items with the best score. */
function keepBest<T>(items: readonly T[], score: (item: T) => number, higherIsBetter: boolean): T[] {
  let best = higherIsBetter ? -Infinity : Infinity;
  let kept: T[] = [];
  for (const item of items) {
    const s = score(item);
    if (s === best) kept.push(item);
    else if (higherIsBetter ? s > best : s < best) {
      best = s;
      kept = [item];
    }
  }
  return kept;
}

interface StepContext {
  /** The ten answers, normalised. */
  normalised: readonly string[];
  counts: ReadonlyMap<string, number>;
  frequencies: AnswerFrequencies;
}

/** What each step keeps of the tied candidates. */
const STEPS: Readonly<Record<SelectionRule, (candidates: readonly string[], c: StepContext) => string[]>> = {
  majority: (candidates, c) => keepBest(candidates, (a) => c.counts.get(a) ?? 0, true),
  'dataset-frequency': (candidates, c) => keepBest(candidates, (a) => c.frequencies.get(a) ?? 0, true),
  levenshtein: (candidates, c) => keepBest(candidates, (a) => c.normalised.reduce((sum, other) => sum + distance(a, other), 0), false),
  'code-point-order': (candidates) => [candidates.reduce((a, b) => (b < a ? b : a))],
};

/**
 * Selects the training target among `answers` (raw strings; normalised here) with `selection`. `frequencies` are
 * the training set's (countAnswerFrequencies); only the deuser rule reads them.
 */
export function selectAnswer(answers: readonly string[], frequencies: AnswerFrequencies, selection: AnswerSelection): SelectedAnswer {
  const normalised = answers.map(normalizeAnswer);
  const counts = new Map<string, number>();
  for (const a of normalised) counts.set(a, (counts.get(a) ?? 0) + 1);
  const context: StepContext = { normalised, counts, frequencies };
  let candidates = [...counts.keys()];
  // validated records always have ten answers; an empty list has nothing to choose from
  if (candidates.length === 0) return { answer: '', rule: 'majority' };
  const steps = SELECTION_STEPS[selection];
  for (const rule of steps) {
    candidates = STEPS[rule](candidates, context);
    if (candidates.length === 1) return { answer: candidates[0]!, rule };
  }
  throw new Error(`answer selection '${selection}' does not end with code-point order`);
}

/** Selects the target of every record; frequencies default to those of `records` themselves. */
export function selectTargets(
  records: readonly VizWizRecord[],
  selection: AnswerSelection,
  frequencies: AnswerFrequencies = countAnswerFrequencies(records),
): SelectedAnswer[] {
  return records.map((r) =>
    selectAnswer(
      r.answers.map((a) => a.answer),
      frequencies,
      selection,
    ),
  );
}

/** How many targets each step decided (every step listed, zeros included). */
export function countDecidingRules(selected: readonly SelectedAnswer[]): Record<SelectionRule, number> {
  const counts = Object.fromEntries(SELECTION_RULES.map((r) => [r, 0])) as Record<SelectionRule, number>;
  for (const s of selected) counts[s.rule] += 1;
  return counts;
}
