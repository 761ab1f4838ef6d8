/**
 * The main job on the embedded default, for now: generate the sample dataset (official layout), fit the trivial
 * question-prior model on train, predict val, write the predictions in the official submission format, and score
 * them with both metric variants. Each stage is skipped when its output already exists, so a rerun is cheap and an
 * interrupted run continues. Later issues turn this into the full three-model comparison.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadSplitRecords } from './data/layout.js';
import { generateSample } from './data/sample/index.js';
import { evaluate, formatEvaluationTable, readSubmission, summarize, writeSubmission } from './eval/index.js';
import type { EvaluationSummary } from './eval/format.js';
import { writeJsonAtomic } from './io/atomic-write.js';
import { QuestionPrior } from './models/prior/question-prior.js';
import { provenance, type Provenance } from './provenance.js';

export interface DemoOptions {
  /** Output folder (default `runs/demo`). */
  out: string;
  /** Questions in the sample dataset (default 300). */
  n?: number;
  /** Seed of the sample dataset (default 0). */
  seed?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface DemoResults {
  task: 'demo';
  dataset: { path: string; n: number; seed: number; train: number; val: number };
  model: 'question-prior';
  predictions: string;
  official: EvaluationSummary;
  seed: EvaluationSummary;
  provenance: Provenance;
}

export async function runDemo(options: DemoOptions): Promise<{ results: DemoResults; table: string }> {
  const { out, n = 300, seed = 0, log = () => {} } = options;
  const data = join(out, 'data');
  const datasetMarker = join(data, 'sample.json');
  if (existsSync(datasetMarker)) {
    log(`dataset: reusing ${data}`);
  } else {
    const summary = await generateSample({ out: data, n, seed });
    await writeJsonAtomic(datasetMarker, { n, seed, splits: summary.splits });
    log(`dataset: wrote ${n} questions to ${data}`);
  }
  const train = await loadSplitRecords(data, 'train');
  const val = await loadSplitRecords(data, 'val');

  const predictionsFile = join(out, 'predictions', 'val.question-prior.json');
  if (!existsSync(predictionsFile)) {
    const predictions = QuestionPrior.fit(train).predict(val);
    await writeSubmission(predictionsFile, predictions);
    log(`predictions: wrote ${predictionsFile}`);
  }
  const predictions = await readSubmission(predictionsFile);
  const official = evaluate(val, predictions, { metric: 'official' });
  const seedMetric = evaluate(val, predictions, { metric: 'seed' });
  const results: DemoResults = {
    task: 'demo',
    dataset: { path: data, n, seed, train: train.length, val: val.length },
    model: 'question-prior',
    predictions: predictionsFile,
    official: summarize(official),
    seed: summarize(seedMetric),
    provenance: provenance(),
  };
  await writeJsonAtomic(join(out, 'results.json'), results);
  const table = [
    `question-prior on ${val.length} val questions of the sample dataset`,
    formatEvaluationTable(official),
    formatEvaluationTable(seedMetric),
  ].join('\n\n');
  return { results, table };
}
