/**
 * Choosing one training target among the ten crowd answers (the seed report and Deuser et al.):
 *   1. the most common normalised answer;
 *   2. tie -> the one most frequent in the whole training set (counted over all ten answers of every record);
 *   3. still tied -> the smallest summed Levenshtein distance to the ten answers;
 *   4. still tied -> the first in code-point order, so the choice never depends on input order.
 * Answers are compared after the official normalisation, so "Red." and "red" are one answer.
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

/** Keeps the items with the best score (`better(a, b) > 0` when a is better). */
function keepBest<T>(items: T[], score: (item: T) => number, higherIsBetter: boolean): T[] {
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

/** Which rule decided the target, for statistics and debugging. */
export type SelectionRule = 'majority' | 'dataset-frequency' | 'levenshtein' | 'code-point-order';

export interface SelectedAnswer {
  answer: string;
  rule: SelectionRule;
}

/** Selects the training target among `answers` (raw strings; normalised here). */
export function selectAnswer(answers: readonly string[], frequencies: AnswerFrequencies): SelectedAnswer {
  const normalised = answers.map(normalizeAnswer);
  const counts = new Map<string, number>();
  for (const a of normalised) counts.set(a, (counts.get(a) ?? 0) + 1);
  let candidates = keepBest([...counts.keys()], (a) => counts.get(a) ?? 0, true);
  if (candidates.length === 1) return { answer: candidates[0]!, rule: 'majority' };
  candidates = keepBest(candidates, (a) => frequencies.get(a) ?? 0, true);
  if (candidates.length === 1) return { answer: candidates[0]!, rule: 'dataset-frequency' };
  const summedDistance = (a: string): number => normalised.reduce((sum, other) => sum + distance(a, other), 0);
  candidates = keepBest(candidates, summedDistance, false);
  if (candidates.length === 1) return { answer: candidates[0]!, rule: 'levenshtein' };
  const first = candidates.reduce((a, b) => (b < a ? b : a));
  return { answer: first, rule: 'code-point-order' };
}

/** Selects the target of every record; frequencies default to those of `records` themselves. */
export function selectTargets(
  records: readonly VizWizRecord[],
  frequencies: AnswerFrequencies = countAnswerFrequencies(records),
): SelectedAnswer[] {
  return records.map((r) => selectAnswer(r.answers.map((a) => a.answer), frequencies));
}
