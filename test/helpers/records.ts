/** Builders of small VizWiz records for tests. */
import type { AnswerConfidence, AnswerType, VizWizRecord } from '../../src/data/types.js';

/** A record whose ten answers are `answers` (padded by repeating the last one). */
export function record(
  image: string,
  answers: string[],
  extra: { question?: string; answer_type?: AnswerType; answerable?: 0 | 1; confidence?: AnswerConfidence } = {},
): VizWizRecord {
  const ten = Array.from({ length: 10 }, (_, i) => answers[Math.min(i, answers.length - 1)] ?? '');
  return {
    image,
    question: extra.question ?? 'What is this?',
    answers: ten.map((answer) => ({ answer, answer_confidence: extra.confidence ?? 'yes' })),
    answer_type: extra.answer_type ?? 'other',
    answerable: extra.answerable ?? 1,
  };
}
