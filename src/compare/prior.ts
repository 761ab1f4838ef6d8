/**
 * The floor of the comparison: the question prior (the most common training target for the same question text,
 * no image). Any model that does not clear it has learned nothing from the pixels.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readSubmission, writeSubmission } from '../eval/submission.js';
import { QuestionPrior } from '../models/prior/question-prior.js';
import type { CompareData } from './data.js';
import type { ModelRun } from './heads.js';

export async function runQuestionPrior(out: string, data: CompareData, log: (line: string) => void): Promise<ModelRun> {
  const predictionsFile = join(out, 'predictions', 'val.question-prior.json');
  const started = performance.now();
  if (!existsSync(predictionsFile)) {
    await writeSubmission(predictionsFile, QuestionPrior.fit(data.train.records).predict(data.val.records));
    log(`question-prior: predictions -> ${predictionsFile}`);
  }
  return {
    id: 'question-prior',
    label: 'Question prior (no image)',
    description: 'the most common training answer for the same question text; answerable = that question\'s answerable rate',
    config: {},
    seed: 0,
    predictions: await readSubmission(predictionsFile),
    predictionsFile,
    timings: { fit: (performance.now() - started) / 1000 },
  };
}
