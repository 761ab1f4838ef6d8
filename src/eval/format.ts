/**
 * Presentation of an evaluation: the JSON summary that `vizwiz eval --json` prints and a readable table. Numbers are
 * printed with two decimals, as the official tool prints them ("%.2f").
 */
import { ANSWER_TYPES, type AnswerType } from '../data/types.js';
import type { AccuracyMetric } from './accuracy.js';
import type { AnswerabilityScores } from './answerability.js';
import type { EvaluationResult } from './evaluate.js';

export interface EvaluationSummary {
  metric: AccuracyMetric;
  normalizeGroundTruth: boolean;
  overall: number;
  perAnswerType: Record<AnswerType, number | null>;
  answerability?: AnswerabilityScores;
}

/** The aggregate numbers (no per-question list). */
export function summarize(result: EvaluationResult): EvaluationSummary {
  const { metric, normalizeGroundTruth, overall, perAnswerType, answerability } = result;
  return answerability === undefined
    ? { metric, normalizeGroundTruth, overall, perAnswerType }
    : { metric, normalizeGroundTruth, overall, perAnswerType, answerability };
}

function pct(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : value.toFixed(2);
}

/** A plain-text table of the summary. */
export function formatEvaluationTable(result: EvaluationResult): string {
  const metricNote = result.metric === 'official' ? 'official (leave-one-out over 10 annotators)' : 'seed (min(1, matches/3) over all 10 answers)';
  const rows: [string, string][] = [['overall', pct(result.overall)], ...ANSWER_TYPES.map((type): [string, string] => [type, pct(result.perAnswerType[type])])];
  if (result.answerability) {
    rows.push(['answerability AP', pct(result.answerability.average_precision)]);
    rows.push(['answerability F1', pct(result.answerability.f1)]);
  }
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [
    `metric: ${metricNote}${result.normalizeGroundTruth ? ', ground truth normalised' : ''}`,
    `questions: ${result.perQuestion.length}`,
    ...rows.map(([label, value]) => `${label.padEnd(width)}  ${value.padStart(6)}`),
  ];
  return `${lines.join('\n')}\n`;
}
