/**
 * Public API of the evaluation: the official VizWiz-VQA answer normalisation and accuracy (and the seed variant),
 * answerability AP/F1, submission files, and whole-set scoring.
 */
export { normalizeAnswer, processDigitArticle, processPunctuation, PUNCTUATION } from '../text/normalize.js';
export { CONTRACTIONS } from '../text/contractions.js';
export {
  ACCURACY_METRICS,
  allAnswersAccuracy,
  groundTruthAnswers,
  leaveOneOutAccuracy,
  questionAccuracy,
  type AccuracyMetric,
  type AccuracyOptions,
} from './accuracy.js';
export { answerabilityScores, averagePrecision, f1Score, type AnswerabilityScores } from './answerability.js';
export { matchPredictions, parseSubmission, parseSubmissionText, readSubmission, writeSubmission } from './submission.js';
export { evaluate, reportedPercent, type EvaluationResult, type QuestionResult } from './evaluate.js';
export { evaluateFiles } from './evaluate-files.js';
export { formatEvaluationTable, summarize, type EvaluationSummary } from './format.js';
export { pyRound, pySum } from './python-float.js';
