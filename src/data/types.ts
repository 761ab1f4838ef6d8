/**
 * The VizWiz-VQA record types, exactly as the official annotation files spell them
 * (train/val entries carry answers; test entries carry only `image` and `question`).
 */

export const ANSWER_TYPES = ['other', 'yes/no', 'number', 'unanswerable'] as const;
export type AnswerType = (typeof ANSWER_TYPES)[number];

export const ANSWER_CONFIDENCES = ['yes', 'maybe', 'no'] as const;
export type AnswerConfidence = (typeof ANSWER_CONFIDENCES)[number];

/** One of the ten crowd answers. */
export interface VizWizAnswer {
  answer: string;
  answer_confidence: AnswerConfidence;
}

/** An entry of a test annotation file: no answers. */
export interface VizWizQuestion {
  image: string;
  question: string;
}

/** An entry of a train/val annotation file. */
export interface VizWizRecord extends VizWizQuestion {
  answers: VizWizAnswer[];
  answer_type: AnswerType;
  answerable: 0 | 1;
}

/** One entry of a submission file (official format). `answerable` is a confidence in [0, 1]. */
export interface Prediction {
  image: string;
  answer: string;
  answerable?: number;
}
