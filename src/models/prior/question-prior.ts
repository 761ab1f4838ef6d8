/**
 * The trivial predictor: answer each question with the training target most often given to the same question
 * text in training (falling back to the overall most common target), and report as `answerable` the fraction of
 * those training questions that were answerable. It learns nothing from the image, which makes it the floor any
 * real model must clear - and a quick end-to-end check of data, prediction files and evaluation.
 */
import { countAnswerFrequencies, selectAnswer, type AnswerSelection } from '../../data/answer-selection.js';
import type { Prediction, VizWizQuestion, VizWizRecord } from '../../data/types.js';

interface Tally {
  answers: Map<string, number>;
  answerable: number;
  total: number;
}

function newTally(): Tally {
  return { answers: new Map(), answerable: 0, total: 0 };
}

function add(t: Tally, answer: string, answerable: 0 | 1): void {
  t.answers.set(answer, (t.answers.get(answer) ?? 0) + 1);
  t.answerable += answerable;
  t.total += 1;
}

function best(t: Tally): string {
  let top = '';
  let topCount = -1;
  for (const [a, c] of t.answers) {
    if (c > topCount || (c === topCount && a < top)) {
      top = a;
      topCount = c;
    }
  }
  return top;
}

/** Canonical form of a question for lookup: lowercase, single spaces, no trailing punctuation. */
export function questionKey(question: string): string {
  return question
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/[\s?.!]+$/, '')
    .trim();
}

export class QuestionPrior {
  private constructor(
    private readonly byQuestion: Map<string, { answer: string; answerable: number }>,
    private readonly fallback: { answer: string; answerable: number },
  ) {}

  /** Fits on the training records, whose targets are chosen by `selection`. */
  static fit(train: readonly VizWizRecord[], selection: AnswerSelection): QuestionPrior {
    const frequencies = countAnswerFrequencies(train);
    const overall = newTally();
    const tallies = new Map<string, Tally>();
    for (const r of train) {
      const target = selectAnswer(
        r.answers.map((a) => a.answer),
        frequencies,
        selection,
      ).answer;
      const key = questionKey(r.question);
      let t = tallies.get(key);
      if (!t) tallies.set(key, (t = newTally()));
      add(t, target, r.answerable);
      add(overall, target, r.answerable);
    }
    const summarise = (t: Tally) => ({ answer: best(t), answerable: t.total ? t.answerable / t.total : 0.5 });
    return new QuestionPrior(new Map([...tallies].map(([k, t]) => [k, summarise(t)])), summarise(overall));
  }

  predict(questions: readonly VizWizQuestion[]): Prediction[] {
    return questions.map((q) => {
      const p = this.byQuestion.get(questionKey(q.question)) ?? this.fallback;
      return { image: q.image, answer: p.answer, answerable: p.answerable };
    });
  }
}
