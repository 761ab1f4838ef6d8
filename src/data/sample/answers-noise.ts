/**
 * Ten crowd answers per question with realistic noise. Answerable questions: an agreement level (how many of
 * the ten normalise to the truth) is drawn so that 10/10 is common but 1-3/10 also occurs; agreeing answers
 * vary in case, punctuation, articles and number words; the rest are synonyms, near misses, wrong guesses or
 * "unanswerable". Unanswerable questions: mostly "unanswerable", plus "unsuitable", "blurry", "too dark"...
 */

import type { AnswerConfidence, VizWizAnswer } from '../types.js';
import type { Defect } from './degrade.js';
import type { Draft } from './families.js';
import type { Rng } from '../../random/rng.js';
import { NUMBER_WORDS } from './vocab.js';

/**
 * A loose answer normaliser (lower case, punctuation to spaces, number words to digits, articles dropped).
 * Close to the official VizWiz normalisation for the answers this generator writes; used to keep distractors
 * apart from the truth and by tests to find the majority answer.
 */
export function normaliseLoosely(answer: string): string {
  return answer
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .split(/\s+/)
    .filter((word) => word !== '' && word !== 'a' && word !== 'an' && word !== 'the')
    .map((word) => {
      const digit = NUMBER_WORDS.indexOf(word as (typeof NUMBER_WORDS)[number]);
      return digit >= 0 ? String(digit) : word;
    })
    .join(' ');
}

/** How many of the ten answers agree with the truth, with weights. */
const AGREEMENT: readonly (readonly [number, number])[] = [
  [10, 20],
  [9, 20],
  [8, 17],
  [7, 13],
  [6, 10],
  [5, 7],
  [4, 5],
  [3, 4],
  [2, 2.5],
  [1, 1.5],
];

/** How many of the ten say "unanswerable" on an unanswerable question. */
const UNANSWERABLE_VOTES: readonly (readonly [number, number])[] = [
  [10, 8],
  [9, 14],
  [8, 18],
  [7, 18],
  [6, 14],
  [5, 11],
  [4, 9],
  [3, 8],
];

/** What people write instead of "unanswerable", by defect; TRUTH = a guess at the real answer. */
const TRUTH = '\u0000truth';
const DEFECT_ANSWERS: Readonly<Record<Defect, readonly (readonly [string, number])[]>> = {
  blur: [
    ['blurry', 3],
    ['unsuitable', 3],
    ['unsuitable image', 2],
    ['too blurry', 1],
    ["i can't tell", 1],
    [TRUTH, 1.5],
  ],
  dark: [
    ['too dark', 3],
    ['unsuitable', 3],
    ['unsuitable image', 2],
    ['dark', 1],
    ["i can't tell", 1],
    [TRUTH, 1],
  ],
  framing: [
    ['unsuitable image', 2],
    ['unsuitable', 3],
    ["i can't tell", 2],
    ['not in frame', 1],
    ["can't see it", 1],
    [TRUTH, 2],
  ],
};

/** Answers used when a draft's distractor pool runs dry. */
const FALLBACK = ['nothing', 'unknown', 'paper', 'table', 'no idea', 'cannot tell', 'object', 'plastic', 'hand'];

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A surface variant that normalises to the same answer: case, trailing punctuation, stray spaces. */
function surfaceVariant(rng: Rng, answer: string): string {
  return rng.weighted<() => string>([
    [() => capitalise(answer), 30],
    [() => answer.toUpperCase(), 8],
    [() => `${answer}.`, 20],
    [() => `${capitalise(answer)}.`, 16],
    [() => `${answer} `, 12],
    [() => `${answer}!`, 5],
    [() => ` ${answer}`, 4],
    [() => `${answer}  `, 5],
  ])();
}

function confidence(rng: Rng, kind: 'agree' | 'other' | 'unanswerable'): AnswerConfidence {
  const weights: Record<typeof kind, readonly (readonly [AnswerConfidence, number])[]> = {
    agree: [
      ['yes', 82],
      ['maybe', 14],
      ['no', 4],
    ],
    other: [
      ['yes', 50],
      ['maybe', 35],
      ['no', 15],
    ],
    unanswerable: [
      ['yes', 62],
      ['maybe', 28],
      ['no', 10],
    ],
  };
  return rng.weighted(weights[kind]);
}

/** One spelling of the truth. */
function agreeingAnswer(rng: Rng, draft: Draft): string {
  const r = rng.next();
  if (r < 0.66) return draft.truth;
  if (r < 0.8 && draft.truthVariants.length > 0) return rng.pick(draft.truthVariants);
  return surfaceVariant(rng, draft.truth);
}

/** Distinct (after normalisation) wrong answers, none normalising to the truth, in random order. */
function offPool(rng: Rng, draft: Draft): string[] {
  const truth = normaliseLoosely(draft.truth);
  const seen = new Set<string>([truth]);
  const pool: string[] = [];
  for (const candidate of [...rng.shuffle([...draft.distractors]), ...FALLBACK]) {
    const key = normaliseLoosely(candidate);
    if (seen.has(key)) continue;
    seen.add(key);
    pool.push(candidate);
  }
  return pool;
}

/** Ten answers for an answerable question. */
export function crowdAnswers(rng: Rng, draft: Draft): VizWizAnswer[] {
  const agree = rng.weighted(AGREEMENT);
  const answers: VizWizAnswer[] = [];
  for (let i = 0; i < agree; i++) answers.push({ answer: agreeingAnswer(rng, draft), answer_confidence: confidence(rng, 'agree') });
  let off = 10 - agree;
  const confuser = normaliseLoosely(draft.confuser);
  // On some low-agreement questions the crowd converges on the tempting wrong answer.
  const converges = agree <= 3 && rng.chance(0.5) && confuser !== normaliseLoosely(draft.truth);
  if (converges) {
    const votes = Math.min(off, agree + 1);
    for (let i = 0; i < votes; i++) answers.push({ answer: draft.confuser, answer_confidence: confidence(rng, 'other') });
    off -= votes;
  }
  const pool = offPool(rng, draft).filter((a) => !converges || normaliseLoosely(a) !== confuser);
  for (let i = 0; i < off; i++) {
    const wrong = pool[i] ?? rng.pick(FALLBACK);
    answers.push({ answer: rng.chance(0.25) ? surfaceVariant(rng, wrong) : wrong, answer_confidence: confidence(rng, 'other') });
  }
  return rng.shuffle(answers);
}

/** Ten answers for a question whose photo has the given defect. */
export function unanswerableAnswers(rng: Rng, draft: Draft, defect: Defect): VizWizAnswer[] {
  const votes = rng.weighted(UNANSWERABLE_VOTES);
  const answers: VizWizAnswer[] = [];
  for (let i = 0; i < votes; i++) {
    const answer = rng.chance(0.8) ? 'unanswerable' : surfaceVariant(rng, 'unanswerable');
    answers.push({ answer, answer_confidence: confidence(rng, 'unanswerable') });
  }
  for (let i = votes; i < 10; i++) {
    const pick = rng.weighted(DEFECT_ANSWERS[defect]);
    const answer = pick === TRUTH ? agreeingAnswer(rng, draft) : pick;
    answers.push({ answer, answer_confidence: confidence(rng, pick === TRUTH ? 'other' : 'unanswerable') });
  }
  return rng.shuffle(answers);
}
