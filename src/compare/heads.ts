/**
 * The classifier-head models of the comparison: the ResNet-50 baseline and "linear layers on CLIP features"
 * (optionally also trained on features of rotated images, the seed report's augmentation ablation). Training resumes
 * from its run folder; predictions are written once in the official submission format.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Prediction, VizWizRecord } from '../data/types.js';
import { readSubmission, writeSubmission } from '../eval/submission.js';
import { trainConfig, type HeadName, type TrainConfig } from '../train/config.js';
import { predictHead } from '../train/predict.js';
import { trainHead, type EpochRecord } from '../train/trainer.js';
import type { FeatureFiles } from './features.js';

export interface ModelRun {
  id: string;
  label: string;
  description: string;
  config: unknown;
  seed: number;
  prompt?: { id: string; template: string };
  history?: EpochRecord[];
  predictions: Prediction[];
  predictionsFile: string;
  /** Seconds per stage (train: the sum of the epochs' times). */
  timings: Record<string, number>;
}

export interface HeadRunOptions {
  id: string;
  label: string;
  description: string;
  head: HeadName;
  config: Partial<Omit<TrainConfig, 'head'>>;
  train: { records: readonly VizWizRecord[]; features: FeatureFiles };
  val: { records: readonly VizWizRecord[]; features: FeatureFiles };
  out: string;
  log: (line: string) => void;
}

export async function runHead(o: HeadRunOptions): Promise<ModelRun> {
  const runDir = join(o.out, 'runs', o.id);
  const predictionsFile = join(o.out, 'predictions', `val.${o.id}.json`);
  const config = trainConfig(o.head, o.config);
  if (!existsSync(predictionsFile)) {
    await trainHead({
      out: runDir,
      config,
      train: { records: o.train.records, features: o.train.features.set, source: o.train.features.file },
      val: { records: o.val.records, features: o.val.features.set, source: o.val.features.file },
      log: (line) => o.log(`${o.id}: ${line}`),
    });
    const predictions = await predictHead({
      checkpoint: runDir,
      questions: o.val.records,
      features: o.val.features.set,
      source: o.val.features.file,
      device: config.device,
    });
    await writeSubmission(predictionsFile, predictions);
    o.log(`${o.id}: predictions -> ${predictionsFile}`);
  }
  const history = JSON.parse(await readFile(join(runDir, 'history.json'), 'utf8')) as EpochRecord[];
  return {
    id: o.id,
    label: o.label,
    description: o.description,
    config,
    seed: config.seed,
    history,
    predictions: await readSubmission(predictionsFile),
    predictionsFile,
    timings: { train: history.reduce((sum, e) => sum + e.seconds, 0) },
  };
}
