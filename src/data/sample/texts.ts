/**
 * The questions and answers of a planned (never written) sample dataset: the text a tiny model's tokenizer is learnt
 * on, so the embedded default's tiny PaliGemma can spell every question and answer of any sample.
 */

import { planSample } from './plan.js';

export interface QuestionAnswers {
  question: string;
  answers: readonly string[];
}

let cached: QuestionAnswers[] | undefined;

/** Every question with its ten raw answers, over all splits of a 3,000-question plan (seed 0); computed once. */
export function sampleQuestionAnswers(): readonly QuestionAnswers[] {
  if (!cached) {
    const plan = planSample({ n: 3000, seed: 0 });
    cached = [...plan.splits.train, ...plan.splits.val, ...plan.splits.test].map((i) => ({ question: i.question, answers: i.answers.map((a) => a.answer) }));
  }
  return cached;
}
