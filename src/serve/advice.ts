/**
 * What the service says to a blind user about the photo: one short sentence per quality flag that is likely
 * (probability >= 0.5), naming the problem and how to retake the photo, written to be read aloud by a screen reader;
 * and the reply as a whole, which leads with the answer when the model thinks the question can be answered, and
 * otherwise (answerable < 0.5, or the answer is VizWiz's "unanswerable") says so and gives the most likely reason.
 */
import { QUALITY_FLAGS, type QualityFlag } from '../data/quality-labels.js';

export const QUALITY_ADVICE: Readonly<Record<QualityFlag, string>> = {
  blur: 'The photo is blurry. Hold the phone still and try again.',
  too_dark: 'The photo is too dark. Turn on a light or move toward a window, then try again.',
  too_bright: 'The photo is too bright. Move away from direct light or glare, then try again.',
  framing: 'The object is only partly in the photo. Hold the phone a little farther away and keep the object in the middle.',
  obstruction: 'Something is covering the lens or the object. Move your fingers away from the camera and try again.',
  rotation: 'The photo is sideways or upside down. Hold the phone upright and try again.',
  unrecognizable: 'I cannot recognise what is in the photo. Point the camera at the object and try again.',
};

/** Probability from which a flag is reported, and under which a question counts as unanswerable. */
const LIKELY = 0.5;

export interface QualityIssue {
  issue: QualityFlag;
  probability: number;
  advice: string;
}

/** The likely flags, most likely first, with their advice. */
export function likelyIssues(probabilities: ArrayLike<number> | undefined): QualityIssue[] {
  if (!probabilities) return [];
  return QUALITY_FLAGS.map((issue, k) => ({ issue, probability: probabilities[k] ?? 0, advice: QUALITY_ADVICE[issue] }))
    .filter((q) => q.probability >= LIKELY)
    .sort((a, b) => b.probability - a.probability);
}

/** VizWiz's answer for a question the photo cannot answer, which classifier heads can predict as any other. */
const UNANSWERABLE = /^\s*unanswerable\s*\.?\s*$/iu;

/** The sentence(s) to read to the user. */
export function spokenReply(answer: string, answerable: number, issues: readonly QualityIssue[]): string {
  // "Cannot recognise" follows from a named flaw (too dark, blurry...): say what to fix, not both.
  const named = issues.filter((q) => q.issue !== 'unrecognizable');
  const advice = (named.length > 0 ? named : issues).map((q) => q.advice);
  if (answerable >= LIKELY && !UNANSWERABLE.test(answer)) {
    const lead = answer.trim() === '' ? 'I have no answer.' : `${capitalise(answer.trim())}.`;
    return [lead, ...(advice.length > 0 ? ['The photo may not be clear:', ...advice] : [])].join(' ');
  }
  const reason = advice.length > 0 ? advice : ['Try again with the object in the middle of the photo, in good light.'];
  return ['I cannot answer that from this photo.', ...reason].join(' ');
}

function capitalise(text: string): string {
  const clean = text.replace(/[.!?]+$/u, '');
  return clean.charAt(0).toUpperCase() + clean.slice(1);
}
