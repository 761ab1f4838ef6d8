/**
 * Training the quality head (src/models/heads/quality.ts) on the image features of a split and the VizWiz-
 * QualityIssues labels of its images, on the run skeleton of every training run (run.ts): Adam, seeded shuffling and
 * dropout (streams of the run seed and the epoch), several steps per session.run (a loop graph), validation per-flag
 * AP every epoch, the best epoch by mean AP over the flags present. The run folder holds what every run holds
 * (run.json, history.json, checkpoints, resumable) and
 *   OUT/best/params.safetensors   the best epoch's parameters
 *   OUT/results.json              what the head is (flags, threshold, config, feature size, the encoder of its features),
 *                                 its history and its validation scores; written last, so it marks a complete run
 * A finished run with the same fingerprint (config, features, labels) is returned as it is; a folder holding another
 * is cleared and trained again (seconds).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { adam } from '../engine/optim.js';
import { buildTrainLoop } from '../engine/train-loop.js';
import { initParams } from '../engine/init.js';
import { Rng } from '../random/rng.js';
import { TrainSession } from '../engine/train-session.js';
import { type Device } from '../engine/device.js';
import { type SessionOptions } from '../engine/graph-session.js';
import { epochSeed, STREAMS } from '../engine/epoch-seeds.js';
import { VizWizError } from '../errors.js';
import type { QualityRecord } from '../data/quality-annotations.js';
import { alignQuality, DEFAULT_QUALITY_THRESHOLD, QUALITY_FLAGS, type AlignedQuality, type QualityFlag } from '../data/quality-labels.js';
import type { FeatureSet } from '../features/feature-file.js';
import { qualityHead, qualityLoss, QUALITY_TARGET_INPUT } from '../models/heads/quality.js';
import { provenance, type Provenance } from '../provenance.js';
import { BatchAssembler, batchesOf, stackBatches } from './batches.js';
import { loadParams, saveBest, shapeLookup } from './checkpoint.js';
import { encoderRecord, type EncoderRecord } from './encoder-record.js';
import { scoreQuality, type QualityEvaluation } from './quality-eval.js';
import { QualityPredictor } from './quality-predictor.js';
import { runTraining, type EpochRecord } from './run.js';
import { stepsPerRun } from './steps-per-run.js';

const QUALITY_FORMAT = 'vizwiz-quality/1';

export interface QualityTrainConfig {
  epochs: number; // 40
  batchSize: number; // 32
  lr: number; // 1e-3, Adam
  weightDecay: number; // 0
  hidden: number; // 256
  dropout: number; // 0.2
  /** Workers (of 5) needed to count a flag as present. */
  threshold: number; // 2
  seed: number;
  device: Device;
  threads?: number;
}

const QUALITY_TRAIN_DEFAULTS: QualityTrainConfig = {
  epochs: 40,
  batchSize: 32,
  lr: 1e-3,
  weightDecay: 0,
  hidden: 256,
  dropout: 0.2,
  threshold: DEFAULT_QUALITY_THRESHOLD,
  seed: 0,
  device: 'cpu',
};

/** One split: its rows' image names (annotation order, as the feature rows), their features and quality entries. */
export interface QualitySplitInput {
  images: readonly string[];
  features: FeatureSet;
  quality: readonly QualityRecord[];
  /** Where the features came from, for messages. */
  source: string;
}

export interface QualityEpoch extends EpochRecord {
  trainLoss: number;
  /** Validation mean AP over the flags present, in [0, 1] (null when no flag is present in validation). */
  valMeanAP: number | null;
  /** Per-flag validation scores of the epoch. */
  evaluation: QualityEvaluation;
  seconds: number;
}

/** results.json of a finished quality head. */
export interface QualityRunRecord {
  format: typeof QUALITY_FORMAT;
  flags: QualityFlag[];
  config: Omit<QualityTrainConfig, 'device' | 'threads'>;
  dims: { image: number };
  /** How to rebuild the encoder of the features (encoder-record.ts). */
  encoder: EncoderRecord;
  fingerprint: string;
  bestEpoch: number;
  history: QualityEpoch[];
  train: { rows: number; missing: number };
  /** Validation scores of the best epoch. */
  evaluation: QualityEvaluation;
  provenance: Provenance;
}

export interface QualityTrainOptions {
  out: string;
  config?: Partial<QualityTrainConfig>;
  train: QualitySplitInput;
  val: QualitySplitInput;
  log?: (line: string) => void;
  /** Prefix of the log lines (default "quality"; the comparison names the encoder: "quality.resnet50"). */
  name?: string;
}

function fingerprintOf(config: QualityRunRecord['config'], splits: readonly [FeatureSet, AlignedQuality][]): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(config));
  for (const [features, labels] of splits) {
    const image = features.image.data;
    h.update(new Uint8Array(image.buffer, image.byteOffset, image.byteLength));
    h.update(new Uint8Array(labels.rows.buffer, labels.rows.byteOffset, labels.rows.byteLength));
    h.update(new Uint8Array(labels.targets.buffer, labels.targets.byteOffset, labels.targets.byteLength));
  }
  return h.digest('hex');
}

function align(split: QualitySplitInput, threshold: number, role: string): AlignedQuality {
  if (split.features.image.rows !== split.images.length) {
    throw new VizWizError(
      'INVALID_FEATURES',
      `${split.source}: ${split.features.image.rows} feature rows but the ${role} split has ${split.images.length} questions`,
    );
  }
  const labels = alignQuality(split.images, split.quality, threshold);
  if (labels.rows.length === 0) {
    throw new VizWizError(
      'INVALID_ANNOTATIONS',
      `no ${role} image has a quality entry (${split.images.length} questions, ${split.quality.length} quality entries): are these the same split's annotations?`,
    );
  }
  return labels;
}

/** Where a finished quality head records itself (a folder holding it is a complete head). */
export const QUALITY_RECORD = 'results.json';

async function readQualityRecord(dir: string): Promise<QualityRunRecord> {
  const file = join(dir, QUALITY_RECORD);
  if (!existsSync(file)) throw new VizWizError('NOT_FOUND', `${dir}: no ${QUALITY_RECORD} (train a quality head into it first)`);
  const record = JSON.parse(await readFile(file, 'utf8')) as QualityRunRecord;
  if (record.format !== QUALITY_FORMAT) throw new VizWizError('INVALID_CHECKPOINT', `${file}: unknown format ${JSON.stringify(record.format)}`);
  return record;
}

/** A trained quality head, ready to predict. */
export async function loadQualityHead(dir: string, o: SessionOptions = {}): Promise<{ record: QualityRunRecord; predictor: QualityPredictor }> {
  const record = await readQualityRecord(dir);
  const model = qualityHead({ imageDim: record.dims.image, hidden: record.config.hidden, flags: record.flags.length, dropout: 0 });
  return { record, predictor: await QualityPredictor.create(model, await loadParams(join(dir, 'best', 'params.safetensors')), o) };
}

/** Per-flag AP of a trained head on a split (e.g. the comparison's validation split). */
export async function evaluateQualityHead(dir: string, split: QualitySplitInput, o: SessionOptions = {}): Promise<QualityEvaluation> {
  const { record, predictor } = await loadQualityHead(dir, o);
  try {
    if (split.features.image.dim !== record.dims.image) {
      throw new VizWizError(
        'INVALID_FEATURES',
        `${split.source}: image features have ${split.features.image.dim} columns but the quality head in ${dir} expects ${record.dims.image}`,
      );
    }
    const labels = align(split, record.config.threshold, 'evaluation');
    const probs = await predictor.predict(split.features.image.data, split.images.length);
    return scoreQuality(labels, probs, record.config.threshold);
  } finally {
    await predictor.dispose();
  }
}

export async function trainQualityHead(o: QualityTrainOptions): Promise<QualityRunRecord> {
  const config = { ...QUALITY_TRAIN_DEFAULTS, ...o.config };
  const name = o.name ?? 'quality';
  const log = o.log ?? (() => {});
  const { device: _d, threads: _t, ...stable } = config;
  const trainLabels = align(o.train, config.threshold, 'training');
  const valLabels = align(o.val, config.threshold, 'validation');
  const imageDim = o.train.features.image.dim;
  if (o.val.features.image.dim !== imageDim) {
    throw new VizWizError('INVALID_FEATURES', `${o.val.source}: image features have ${o.val.features.image.dim} columns but ${o.train.source} has ${imageDim}`);
  }
  const fingerprint = fingerprintOf(stable, [
    [o.train.features, trainLabels],
    [o.val.features, valLabels],
  ]);
  const description = { format: QUALITY_FORMAT, config: stable, fingerprint };
  // Training takes seconds: a folder holding a head of other data or settings is cleared and trained again.
  if (!(await sameRun(o.out, description))) {
    log(`${name}: ${o.out} holds a head trained on other data or settings; retraining`);
    await rm(o.out, { recursive: true, force: true });
  } else if (existsSync(join(o.out, QUALITY_RECORD))) {
    log(`${name}: reused ${o.out}`);
    return readQualityRecord(o.out);
  }

  const f = QUALITY_FLAGS.length;
  const headConfig = { imageDim, hidden: config.hidden, flags: f, dropout: config.dropout };
  const model = qualityHead(headConfig);
  const shapeOf = shapeLookup(model.params);
  const sessionOptions: SessionOptions = { device: config.device, ...(config.threads ? { threads: config.threads } : {}) };
  await runTraining<QualityEpoch>({
    out: o.out,
    description,
    conflict: 'a quality head trained on other data or settings',
    epochs: config.epochs,
    divergenceHint: `lower the learning rate (now ${config.lr})`,
    log,
    async start(checkpoint) {
      const graph = buildTrainLoop(model, qualityLoss(headConfig), adam({ weightDecay: config.weightDecay }));
      const params = checkpoint?.params ?? initParams(model.params, config.seed);
      const session = await TrainSession.create(graph, params, {
        ...sessionOptions,
        residentState: true, // on WebGPU: parameters and Adam's state stay on the device between runs
        seed: config.seed,
        ...(checkpoint ? { state: checkpoint.optimizer, stepsDone: checkpoint.state.steps } : {}),
      });
      const predictor = await QualityPredictor.create(qualityHead({ ...headConfig, dropout: 0 }), params, sessionOptions);
      const inputs = {
        image_feat: o.train.features.image,
        [QUALITY_TARGET_INPUT]: { data: trainLabels.targets, rows: o.train.images.length, dim: f },
      };
      const assembler = new BatchAssembler(
        inputs,
        undefined,
        graph.batchInputs.map((i) => i.name),
      );
      const perRun = stepsPerRun(config.batchSize);
      return {
        async epoch(epoch) {
          const started = performance.now();
          const order = new Rng(epochSeed(config.seed, epoch, STREAMS.shuffle)).permutation(trainLabels.rows.length).map((i) => trainLabels.rows[i]!);
          session.reseedDropout(epochSeed(config.seed, epoch, STREAMS.dropout));
          const batches = [...batchesOf(order, config.batchSize)];
          let lossSum = 0;
          let firstStepLoss: number | undefined;
          for (let i = 0; i < batches.length;) {
            // Full batches run perRun at a time in one loop-graph call; a smaller last batch runs alone.
            const chunk: Int32Array[] = [];
            while (i < batches.length && chunk.length < perRun && batches[i]!.length === config.batchSize) chunk.push(batches[i++]!);
            if (chunk.length === 0) chunk.push(batches[i++]!);
            const totals = (
              await session.steps(
                stackBatches(assembler, chunk),
                chunk.map(() => config.lr),
              )
            ).losses[graph.lossNames[0]!]!;
            firstStepLoss ??= totals[0];
            chunk.forEach((rows, k) => (lossSum += totals[k]! * rows.length));
          }
          await session.pull(); // the epoch's parameters to the host: evaluation, the best checkpoint, the resume state
          predictor.setParams(session.parameters());
          const evaluation = scoreQuality(valLabels, await predictor.predict(o.val.features.image.data, o.val.images.length), config.threshold);
          const valMeanAP = evaluation.mean_average_precision;
          // The skeleton keeps the epoch of the highest valAccuracy: mean AP in percent (0 when no flag is present).
          const record: QualityEpoch = {
            epoch,
            trainLoss: lossSum / trainLabels.rows.length,
            valMeanAP,
            valAccuracy: valMeanAP === null ? 0 : 100 * valMeanAP,
            evaluation,
            seconds: (performance.now() - started) / 1000,
          };
          return { record, firstStepLoss };
        },
        async saveBest(record) {
          await saveBest(o.out, { epoch: record.epoch, valAccuracy: record.valAccuracy }, session.parameters(), shapeOf);
        },
        state: () => ({ params: session.parameters(), optimizer: session.optimizerState(), steps: session.stepsDone, shapeOf }),
        describe: (r) =>
          `${name}: epoch ${r.epoch}/${config.epochs}, train loss ${r.trainLoss.toFixed(4)}, val mean AP ${r.valMeanAP === null ? '-' : (100 * r.valMeanAP).toFixed(2)}`,
        async dispose() {
          await session.dispose();
          await predictor.dispose();
        },
      };
    },
    results: (history, best) => {
      const bestEpoch = history.find((e) => e.epoch === best?.epoch) ?? history[history.length - 1]!;
      return {
        format: QUALITY_FORMAT,
        flags: [...QUALITY_FLAGS],
        config: stable,
        dims: { image: imageDim },
        encoder: encoderRecord(o.train.features.metadata),
        fingerprint,
        bestEpoch: bestEpoch.epoch,
        history: [...history],
        train: { rows: trainLabels.rows.length, missing: trainLabels.missing },
        evaluation: bestEpoch.evaluation,
        provenance: provenance(),
      } satisfies QualityRunRecord;
    },
  });
  const record = await readQualityRecord(o.out);
  const map = record.evaluation.mean_average_precision;
  log(`${name}: best epoch ${record.bestEpoch}/${config.epochs}, validation mean AP ${map === null ? '-' : (100 * map).toFixed(2)} -> ${o.out}`);
  return record;
}

/** Whether `out` is empty or holds a run of `description` (run.json, train/run-folder.ts). */
async function sameRun(out: string, description: Readonly<Record<string, unknown>>): Promise<boolean> {
  const file = join(out, 'run.json');
  if (!existsSync(file)) return !existsSync(join(out, 'state.json'));
  return JSON.stringify(JSON.parse(await readFile(file, 'utf8'))) === JSON.stringify(description);
}
