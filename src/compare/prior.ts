/**
 * The floor of the comparison: the question prior (the most common training target for the same question text,
 * no image). Any model that does not clear it has learned nothing from the pixels. Cached like every model
 * (run-cache.ts), keyed by the records of both splits and the answer selection.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnswerSelection } from '../data/answer-selection.js';
import { writeJsonAtomic } from '../io/atomic-write.js';
import { QuestionPrior } from '../models/prior/question-prior.js';
import type { CompareData } from './data.js';
import type { ModelRun } from './heads.js';
import { finishedPredictions, openRun, publishPredictions, savePredictions } from './run-cache.js';
import { targetSelection } from './targets.js';

export interface PriorStageOptions {
  id: string;
  label: string;
  description: string;
  out: string;
  answerSelection: AnswerSelection;
  log: (line: string) => void;
}

export async function runQuestionPrior(data: CompareData, o: PriorStageOptions): Promise<ModelRun> {
  const run = await openRun(o.out, o.id, {
    stage: 'question-prior',
    format: 1,
    answerSelection: o.answerSelection,
    train: data.train.identity.records,
    val: data.val.identity.records,
  });
  // the fitting time is kept with the run, so a reused run reports the time it took
  const timingsFile = join(run.dir, 'timings.json');
  let predictions = await finishedPredictions(run);
  let timings: Record<string, number>;
  if (predictions) {
    timings = JSON.parse(await readFile(timingsFile, 'utf8')) as Record<string, number>;
    o.log(`${o.id}: reused ${run.dir}`);
  } else {
    const started = performance.now();
    predictions = QuestionPrior.fit(data.train.records, o.answerSelection).predict(data.val.records);
    timings = { fit: (performance.now() - started) / 1000 };
    await writeJsonAtomic(timingsFile, timings);
    await savePredictions(run, predictions);
    o.log(`${o.id}: fitted in ${run.dir}`);
  }
  await publishPredictions(run, predictions);
  return {
    id: o.id,
    label: o.label,
    description: o.description,
    config: { answerSelection: o.answerSelection },
    seed: 0,
    answerSelection: targetSelection(data.train.records, o.answerSelection),
    run: { folder: run.dir, key: run.key },
    predictions,
    predictionsFile: run.published,
    timings,
  };
}
