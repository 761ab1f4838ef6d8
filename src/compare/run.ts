/**
 * `vizwiz compare`: the seed report's comparison end to end - data, features, training of both heads, LoRA
 * fine-tuning of PaliGemma, prediction, the official evaluation and the report. Every stage caches its output in
 * OUT and resumes after an interruption; a finished stage is not redone.
 */
import type { Device } from '../engine/device.js';
import { provenance } from '../provenance.js';
import { loadCompareData } from './data.js';
import { tinyEncoderSources } from './encoders.js';
import { encoderFeatures, type EncoderFeatures } from './features.js';
import { runHead, type ModelRun } from './heads.js';
import { runQuestionPrior } from './prior.js';
import { PALIGEMMA_DEFAULT_SOURCE, runPaligemma } from './paligemma.js';
import { writeComparison, type ComparisonSummary } from './summary.js';

export const COMPARE_MODELS = ['question-prior', 'baseline', 'clip-linear', 'paligemma'] as const;
export type CompareModel = (typeof COMPARE_MODELS)[number];

export interface CompareOptions {
  /** Output folder (default runs/compare). */
  out: string;
  /** Official release folder; default: the embedded sample dataset with tiny models. */
  data?: string;
  models: readonly CompareModel[];
  device: Device;
  threads?: number;
  smoke: boolean;
  /** Hold out this fraction of train as validation (the seed report's protocol). */
  holdout?: number;
  /** Also train clip-linear on features of rotated images (the seed's augmentation ablation). */
  augment: boolean;
  seed: number;
  /** Head epochs (default: 3 smoke, 30 embedded, 100 real data as the seed report). */
  epochs?: number;
  /** Questions of the embedded sample dataset (default 600; smoke 120). */
  sampleSize?: number;
  /** PaliGemma fine-tuning epochs (default: 1 smoke, 6 embedded, 10 real data as the seed report). */
  paligemmaEpochs?: number;
  clipModel?: string;
  resnetModel?: string;
  paligemmaModel?: string;
  offline?: boolean;
  log: (line: string) => void;
}

function headEpochs(o: CompareOptions): number {
  return o.epochs ?? (o.smoke ? 3 : o.data ? 100 : 30);
}

export async function runCompare(o: CompareOptions): Promise<ComparisonSummary> {
  const data = await loadCompareData({
    out: o.out,
    ...(o.data !== undefined ? { data: o.data } : {}),
    ...(o.holdout !== undefined ? { holdout: o.holdout } : {}),
    smoke: o.smoke,
    seed: o.seed,
    sampleSize: o.sampleSize ?? (o.smoke ? 120 : 600),
    log: o.log,
  });
  try {
    const sources = o.data
      ? { clip: o.clipModel, resnet: o.resnetModel }
      : { ...(await tinyEncoderSources(o.out, o.seed)), ...(o.clipModel ? { clip: o.clipModel } : {}), ...(o.resnetModel ? { resnet: o.resnetModel } : {}) };
    const stage = { out: o.out, device: o.device, seed: o.seed, log: o.log, ...(o.threads ? { threads: o.threads } : {}), ...(o.offline ? { offline: true } : {}) };
    const epochs = headEpochs(o);
    const runs: ModelRun[] = [];
    const headBase = { out: o.out, log: o.log, val: { records: data.val.records } };
    const common = { epochs, seed: o.seed, device: o.device, ...(o.threads ? { threads: o.threads } : {}) };

    if (o.models.includes('question-prior')) runs.push(await runQuestionPrior(o.out, data, o.log));
    if (o.models.includes('baseline')) {
      const f: EncoderFeatures = await encoderFeatures('resnet50', sources.resnet, data, false, stage);
      runs.push(
        await runHead({
          ...headBase,
          id: 'baseline',
          label: 'ResNet-50 baseline',
          description: 'ResNet-50 pooled image features + question bag-of-words -> linear classifier over the answers',
          head: 'baseline',
          config: { ...common, lr: 0.002 },
          train: { records: data.train.records, features: f.train },
          val: { records: data.val.records, features: f.val },
        }),
      );
    }
    if (o.models.includes('clip-linear')) {
      const f = await encoderFeatures('clip-vit-l14-336', sources.clip, data, o.augment, stage);
      const clip = {
        ...headBase,
        label: 'CLIP + linear layers',
        description: 'frozen CLIP ViT-L/14@336 image and question embeddings -> LayerNorm/Linear head with answer-type gate (Deuser et al.)',
        head: 'clip-linear' as const,
        config: common,
        val: { records: data.val.records, features: f.val },
      };
      runs.push(await runHead({ ...clip, id: 'clip-linear', train: { records: data.train.records, features: f.train } }));
      if (f.trainAugmented) {
        runs.push(
          await runHead({
            ...clip,
            id: 'clip-linear-rotated',
            label: 'CLIP + linear layers, rotated training images',
            description: `${clip.description}; trained on features of images rotated up to 30 degrees (augmentation ablation)`,
            train: { records: data.train.records, features: f.trainAugmented },
          }),
        );
      }
    }
    if (o.models.includes('paligemma')) {
      const embedded = o.data === undefined && o.paligemmaModel === undefined;
      const epochs = o.paligemmaEpochs ?? (o.smoke ? 1 : embedded ? 6 : 10);
      runs.push(
        await runPaligemma(data, {
          out: o.out,
          source: embedded ? undefined : (o.paligemmaModel ?? PALIGEMMA_DEFAULT_SOURCE),
          // the tiny random model needs a larger step than the seed report's lr 1e-4 for the 3B model
          config: { epochs, seed: o.seed, device: o.device, ...(o.threads ? { threads: o.threads } : {}), ...(embedded ? { lr: 3e-3, batchSize: 8, gradAccum: 1 } : {}) },
          ...(o.offline ? { offline: true } : {}),
          log: o.log,
        }),
      );
    }
    return await writeComparison(o.out, {
      dataset: data.info,
      annotations: data.annotations,
      records: data.val.records,
      images: data.val.images,
      runs,
      provenance: provenance(),
      seed: o.seed,
    });
  } finally {
    await data.close();
  }
}
