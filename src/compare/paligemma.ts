/**
 * The generative model of the comparison: PaliGemma fine-tuned with LoRA (the seed report's 0.725 model), then its
 * best adapter answers the validation split. With real data the base is hf:google/paligemma-3b-pt-224 (or
 * --paligemma-model); the embedded default fine-tunes a tiny random PaliGemma of the real architecture that the
 * project writes itself. The run folder is keyed (run-cache.ts) by the base's identity (source and weights), the
 * fine-tune configuration - device and threads aside - and the records and images of both splits.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { QuantSchemeName } from '../engine/block-quantize.js';
import type { OnCorrupt } from '../features/extract.js';
import { finetuneConfig, finetunePaligemma, predictPaligemma, type FinetuneConfigInput, type FinetuneResult } from '../finetune/index.js';
import { listNames } from '../errors.js';
import { promptTemplate } from '../models/paligemma/prompt.js';
import { resolveModelSource } from '../models/sources/resolve.js';
import type { EpochRecord } from '../train/trainer.js';
import { CheckedImageSource } from './checked-images.js';
import type { CompareData } from './data.js';
import type { FileHashes } from './file-hashes.js';
import type { ModelRun } from './heads.js';
import { modelIdentity } from './identity.js';
import { quantizedPaligemma } from './quantized.js';
import { finishedPredictions, openRun, publishPredictions, savePredictions } from './run-cache.js';
import { targetSelection } from './targets.js';

export const PALIGEMMA_DEFAULT_SOURCE = 'hf:google/paligemma-3b-pt-224';

export interface PaligemmaStageOptions {
  id: string;
  label: string;
  /** With {source}, {r} and {alpha} to fill in. */
  description: string;
  out: string;
  /** Model source: a folder (the tiny model on the embedded default) or hf:org/repo. */
  source: string;
  config: FinetuneConfigInput;
  onCorrupt: OnCorrupt;
  hashes: FileHashes;
  offline?: boolean;
  /** Also answer with the base block-quantized (the adapter on top in float32), beside the float32 answers. */
  quantize?: QuantSchemeName;
  log: (line: string) => void;
}

type FinishedRun = Pick<FinetuneResult, 'config' | 'history'>;

export async function runPaligemma(data: CompareData, o: PaligemmaStageOptions): Promise<ModelRun> {
  const resolved = await resolveModelSource(o.source, o.offline ? { offline: true } : {});
  const base = { dir: resolved.dir, source: resolved.source };
  const config = finetuneConfig(o.config);
  const { device: _device, threads: _threads, ...decisive } = config;
  const run = await openRun(o.out, o.id, {
    stage: 'paligemma',
    format: 1,
    base: { source: resolved.source, weights: await modelIdentity(resolved, o.hashes) },
    config: decisive,
    train: data.train.identity,
    val: data.val.identity,
  });
  await o.hashes.save();
  let predictions = await finishedPredictions(run);
  let result: FinishedRun;
  if (predictions) {
    result = JSON.parse(await readFile(join(run.dir, 'results.json'), 'utf8')) as FinishedRun;
    o.log(`${o.id}: reused ${run.dir}`);
  } else {
    const trainImages = await CheckedImageSource.open(data.train.images, data.train.records, o.onCorrupt);
    const valImages = await CheckedImageSource.open(data.val.images, data.val.records, o.onCorrupt);
    result = await finetunePaligemma({
      out: run.dir,
      base,
      train: { records: data.train.records, images: trainImages },
      val: { records: data.val.records, images: valImages },
      config,
      log: (line) => o.log(`${o.id}: ${line}`),
    });
    predictions = await predictPaligemma({
      base,
      adapter: join(run.dir, 'best'),
      questions: data.val.records,
      images: valImages,
      device: config.device,
      ...(config.threads ? { threads: config.threads } : {}),
    });
    for (const images of new Set([trainImages, valImages])) {
      if (images.skipped.size > 0) {
        o.log(`${o.id}: ${images.skipped.size} image(s) of ${images.location} replaced by a blank image: ${listNames([...images.skipped])}`);
      }
    }
    await savePredictions(run, predictions);
    o.log(`${o.id}: predictions -> ${run.published}`);
  }
  await publishPredictions(run, predictions);
  const zeroShot = result.history.find((e) => e.epoch === 0);
  const history: EpochRecord[] = result.history
    .filter((e) => e.epoch > 0)
    .map((e) => ({ epoch: e.epoch, trainLoss: e.trainLoss ?? Number.NaN, valLoss: e.valLoss, valAccuracy: e.valAccuracy, lr: e.lr ?? 0, seconds: e.seconds }));
  const template = promptTemplate(result.config.prompt);
  const description = o.description
    .replace('{source}', base.source)
    .replace('{r}', String(result.config.lora.r))
    .replace('{alpha}', String(result.config.lora.alpha));
  return {
    id: o.id,
    label: o.label,
    description: description + (zeroShot ? `; zero-shot val accuracy before fine-tuning ${zeroShot.valAccuracy.toFixed(2)}` : ''),
    config: result.config,
    seed: result.config.seed,
    prompt: { id: template.id, template: template.template },
    answerSelection: targetSelection(data.train.records, result.config.answerSelection),
    run: { folder: run.dir, key: run.key },
    history,
    predictions,
    predictionsFile: run.published,
    timings: { train: history.reduce((sum, e) => sum + e.seconds, 0) },
    ...(o.quantize !== undefined
      ? {
          quantized: await quantizedPaligemma(
            {
              id: o.id,
              scheme: o.quantize,
              out: o.out,
              floatKey: run.key,
              device: config.device,
              ...(config.threads ? { threads: config.threads } : {}),
              log: o.log,
            },
            data,
            base,
            run.dir,
            o.onCorrupt,
          ),
        }
      : {}),
  };
}
