/**
 * The classifier-head models of the comparison: the ResNet-50 baseline and "linear layers on CLIP features"
 * (optionally also trained on features of rotated images, the seed report's augmentation ablation). Each head's run
 * folder is keyed (run-cache.ts) by its configuration - the execution settings device and threads aside - and by
 * the records and feature files of both splits (validation picks the best epoch, so it is an input too): training
 * resumes there after a kill, and a finished run's predictions are reused only for the same key.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Prediction, VizWizRecord } from '../data/types.js';
import type { AnswerSelectionSummary } from '../report/input.js';
import { trainConfig, type HeadName, type TrainConfig } from '../train/config.js';
import { predictHead } from '../train/predict.js';
import { trainHead, type EpochRecord } from '../train/trainer.js';
import type { FeatureFiles } from './features.js';
import type { QuantizedRun } from './quantized.js';
import { finishedPredictions, openRun, publishPredictions, savePredictions } from './run-cache.js';
import { targetSelection } from './targets.js';

export interface ModelRun {
  id: string;
  label: string;
  description: string;
  config: unknown;
  seed: number;
  prompt?: { id: string; template: string };
  /** How the training targets were chosen (models trained on one target per question). */
  answerSelection?: AnswerSelectionSummary;
  /** The run folder and the stage key of its inputs. */
  run: { folder: string; key: string };
  history?: EpochRecord[];
  predictions: Prediction[];
  /** OUT/predictions/val.<id>.json. */
  predictionsFile: string;
  /** Seconds per stage (train: the sum of the epochs' times). */
  timings: Record<string, number>;
  /** The same model's answers with block-quantized weights (compare --quantize; quantizable models only). */
  quantized?: QuantizedRun;
}

export interface HeadRunOptions {
  id: string;
  label: string;
  description: string;
  head: HeadName;
  config: Partial<Omit<TrainConfig, 'head'>>;
  train: { records: readonly VizWizRecord[]; identity: string; features: FeatureFiles };
  val: { records: readonly VizWizRecord[]; identity: string; features: FeatureFiles };
  out: string;
  log: (line: string) => void;
}

export async function runHead(o: HeadRunOptions): Promise<ModelRun> {
  const config = trainConfig(o.head, o.config);
  const { device: _device, threads: _threads, ...decisive } = config;
  const run = await openRun(o.out, o.id, {
    stage: 'head',
    format: 1,
    config: decisive,
    train: { records: o.train.identity, features: o.train.features.key },
    val: { records: o.val.identity, features: o.val.features.key },
  });
  let predictions = await finishedPredictions(run);
  if (predictions) o.log(`${o.id}: reused ${run.dir}`);
  else {
    o.log(`${o.id}: training in ${run.dir}`);
    await trainHead({
      out: run.dir,
      config,
      train: { records: o.train.records, features: o.train.features.set, source: o.train.features.file },
      val: { records: o.val.records, features: o.val.features.set, source: o.val.features.file },
      log: (line) => o.log(`${o.id}: ${line}`),
    });
    predictions = await predictHead({
      checkpoint: run.dir,
      questions: o.val.records,
      features: o.val.features.set,
      source: o.val.features.file,
      device: config.device,
      ...(config.threads ? { threads: config.threads } : {}),
    });
    await savePredictions(run, predictions);
    o.log(`${o.id}: predictions -> ${run.published}`);
  }
  await publishPredictions(run, predictions);
  const history = JSON.parse(await readFile(join(run.dir, 'history.json'), 'utf8')) as EpochRecord[];
  return {
    id: o.id,
    label: o.label,
    description: o.description,
    config,
    seed: config.seed,
    answerSelection: targetSelection(o.train.records, config.answerSelection),
    run: { folder: run.dir, key: run.key },
    history,
    predictions,
    predictionsFile: run.published,
    timings: { train: history.reduce((sum, e) => sum + e.seconds, 0) },
  };
}
