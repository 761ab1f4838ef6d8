/**
 * Public API of the evaluation: the official VizWiz-VQA answer normalisation and accuracy (and the seed variant),
 * answerability AP/F1, submission files, and whole-set scoring.
 */
export { normalizeAnswer, processDigitArticle, processPunctuation } from '../text/normalize.js';
export { CONTRACTIONS } from '../text/contractions.js';
export { allAnswersAccuracy, leaveOneOutAccuracy, questionAccuracy } from './accuracy.js';
export { answerabilityScores, averagePrecision, f1Score } from './answerability.js';
export { matchPredictions, parseSubmission, parseSubmissionText, readSubmission, writeSubmission } from './submission.js';
export { evaluate, reportedPercent, type EvaluationResult } from './evaluate.js';

export { formatEvaluationTable, summarize } from './format.js';
export { pyRound } from './python-float.js';
