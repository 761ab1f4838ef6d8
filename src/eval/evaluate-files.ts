/**
 * File-level evaluation: load a train/val annotation file and a submission file, match them, score them. A test
 * split (no answers) is refused with one message saying that evaluation needs train or val annotations.
 */
import { loadAnnotations } from '../data/annotations.js';
import type { AccuracyOptions } from './accuracy.js';
import { evaluate, type EvaluationResult } from './evaluate.js';
import { matchPredictions, readSubmission } from './submission.js';

export async function evaluateFiles(annotationsFile: string, predictionsFile: string, options: AccuracyOptions = {}): Promise<EvaluationResult> {
  const records = await loadAnnotations(annotationsFile, { purpose: 'evaluation' });
  const predictions = matchPredictions(records, await readSubmission(predictionsFile), predictionsFile);
  return evaluate(records, predictions, options);
}
