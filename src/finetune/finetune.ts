/**
 * LoRA fine-tuning of PaliGemma on VizWiz records: `finetunePaligemma`.
 * Per epoch: a seeded shuffle, the epoch's training answers (targets.ts), optimizer updates of `gradAccum`
 * micro-batches of `batchSize` examples each (stepper.ts: gradients, token-weighted accumulation, clipping, AdamW)
 * with the learning rate of the schedule (warmup + cosine by default, src/train/schedule.ts), then validation
 * (validator.ts: greedy answers scored with the official metric, and the loss). The run folder gets history.json,
 * the best epoch's adapter in PEFT format and its validation answers (best/), a checkpoint of adapters + optimizer state + update count after
 * every epoch (switched atomically through state.json, src/train/checkpoint.ts) and, once all epochs are done,
 * results.json (config, seed, prompt template id and text, metric, history, provenance).
 * Rerunning with the same arguments after a kill resumes after the last finished epoch and ends with the same
 * adapters and history as an uninterrupted run: every random stream depends only on the seed and the epoch (seeds.ts).
 */

import { join } from 'node:path';
import type { ImageSource } from '../data/image-source.js';
import type { VizWizRecord } from '../data/types.js';
import { VizWizError } from '../errors.js';
import { writeSubmission } from '../eval/submission.js';
import { writeJsonAtomic } from '../io/atomic-write.js';
import { loraParamSpecs } from '../models/lora/adapters.js';
import { loraConfig } from '../models/lora/config.js';
import { initAdapters, paligemmaLoraSet } from '../models/lora/paligemma-lora.js';
import { PaliGemmaProcessor } from '../models/paligemma/processor.js';
import { promptTemplate } from '../models/paligemma/prompt.js';
import { provenance } from '../provenance.js';
import { loadCheckpoint, saveCheckpoint, shapeLookup, type BestEpoch } from '../train/checkpoint.js';
import { loadBase, peftBaseName, type BaseInput } from './base.js';
import { finetuneConfig, type FinetuneConfig, type FinetuneConfigInput } from './config.js';
import { trainEpoch, updatesPerEpoch, type EpochContext } from './epoch.js';
import { PixelLoader } from './pixels.js';
import { claimRunFolder, readHistory, recordsFingerprint, RUN_FORMAT, saveBestAdapter, writeHistory, type FinetuneEpoch } from './run-folder.js';
import { LoraStepper } from './stepper.js';
import { TrainingTargets } from './targets.js';
import { Validator } from './validator.js';

export interface FinetuneSplit {
  records: readonly VizWizRecord[];
  images: ImageSource;
  /** Where the records came from, for results.json (default: the image source's location). */
  source?: string;
}

export interface FinetuneOptions {
  /** Run folder; rerun with the same arguments to resume. */
  out: string;
  /** A checkpoint folder (a resolved model source, with the source it came from) or a loaded model and tokenizer. */
  base: BaseInput;
  train: FinetuneSplit;
  val: FinetuneSplit;
  config?: FinetuneConfigInput;
  log?: (line: string) => void;
  /** Stop after this many epochs in this call (the run stays resumable); for tests and time-boxed jobs. */
  epochBudget?: number;
}

export interface FinetuneResult {
  config: FinetuneConfig;
  /** Epoch 0 (the base model, when validated) and every finished epoch. */
  history: FinetuneEpoch[];
  best: BestEpoch | null;
  completed: boolean;
}

function checkSplit(s: FinetuneSplit, name: string): void {
  if (s.records.length === 0) throw new VizWizError('INVALID_ANNOTATIONS', `the ${name} split has no records`);
}

export async function finetunePaligemma(o: FinetuneOptions): Promise<FinetuneResult> {
  const config = finetuneConfig(o.config);
  const log = o.log ?? (() => {});
  checkSplit(o.train, 'training');
  checkSplit(o.val, 'validation');
  const base = await loadBase(o.base);
  const { model } = base;
  const template = promptTemplate(config.prompt);
  const proc = new PaliGemmaProcessor(base.tokenizer, model.config, { template });
  const set = paligemmaLoraSet(model.config, model.prefixes, loraConfig({ ...config.lora, baseModel: peftBaseName(base.source) }));
  const { device, threads } = config;
  const session = { device, ...(threads ? { threads } : {}) };
  const trainSource = o.train.source ?? o.train.images.location;
  const valSource = o.val.source ?? o.val.images.location;
  const { out } = o;
  await claimRunFolder(out, {
    format: RUN_FORMAT,
    base: base.source,
    config: { ...config, device: undefined, threads: undefined },
    prompt: template,
    data: { train: recordsFingerprint(o.train.records), val: recordsFingerprint(o.val.records) },
  });

  const checkpoint = await loadCheckpoint(out);
  const startEpoch = checkpoint?.state.epoch ?? 0;
  const stepper = await LoraStepper.create(
    model,
    set,
    { adapters: checkpoint?.params ?? initAdapters(set, config.seed), ...(checkpoint ? { optimizer: checkpoint.optimizer, steps: checkpoint.state.steps } : {}) },
    { weightDecay: config.weightDecay, clip: config.clip, session },
  );
  const size = model.config.vision.imageSize;
  const shapeOf = shapeLookup(loraParamSpecs(set));
  const epochContext: EpochContext = {
    config,
    records: o.train.records,
    targets: new TrainingTargets(o.train.records, config.target, config.answerSelection),
    pixels: new PixelLoader(o.train.images, size),
    proc,
    stepper,
    totalUpdates: updatesPerEpoch(config, o.train.records.length) * config.epochs,
    log,
  };

  let history = startEpoch > 0 ? await readHistory(out, startEpoch) : [];
  let best = checkpoint?.state.best ?? null;
  const lastEpoch = Math.min(config.epochs, startEpoch + (o.epochBudget ?? Infinity));
  let validator: Validator | undefined;
  try {
    validator = await Validator.create(model, set, proc, o.val.records, new PixelLoader(o.val.images, size), {
      batchSize: config.evalBatchSize,
      maxNewTokens: config.maxNewTokens,
      answerSelection: config.answerSelection,
      session,
    });
    if (startEpoch > 0) log(`resuming after epoch ${startEpoch} of ${config.epochs}`);
    else if (config.zeroShot) {
      const started = performance.now();
      const v = await validator.run(stepper.adapters());
      history = [{ epoch: 0, trainLoss: null, valLoss: v.loss, valAccuracy: v.accuracy, lr: null, updates: 0, gradNorm: null, seconds: (performance.now() - started) / 1000 }];
      await writeHistory(out, history);
      log(`zero-shot: val loss ${v.loss.toFixed(4)}, val accuracy ${v.accuracy.toFixed(2)}`);
    }
    for (let epoch = startEpoch + 1; epoch <= lastEpoch; epoch++) {
      const started = performance.now();
      const trained = await trainEpoch(epochContext, epoch);
      const v = await validator.run(stepper.adapters());
      const record: FinetuneEpoch = {
        epoch,
        trainLoss: trained.trainLoss,
        valLoss: v.loss,
        valAccuracy: v.accuracy,
        lr: trained.lr,
        updates: trained.updates,
        gradNorm: trained.gradNorm,
        seconds: (performance.now() - started) / 1000,
      };
      history.push(record);
      const improved = best === null || v.accuracy > best.valAccuracy;
      if (improved) {
        best = { epoch, valAccuracy: v.accuracy };
        await saveBestAdapter(out, set, stepper.adapters(), { ...best, prompt: template, base: base.source });
        await writeSubmission(join(out, 'best', 'val-predictions.json'), o.val.records.map((r, i) => ({ image: r.image, answer: v.answers[i]?.answer ?? '' })));
      }
      // History first: a kill before the state switch resumes from the previous epoch, whose history is a prefix.
      await writeHistory(out, history);
      await saveCheckpoint(out, { epoch, steps: stepper.steps, best }, stepper.adapters(), stepper.optimizerState(), shapeOf);
      log(
        `epoch ${epoch}/${config.epochs}: train loss ${record.trainLoss?.toFixed(4)}, val loss ${v.loss.toFixed(4)}, ` +
          `val accuracy ${v.accuracy.toFixed(2)}${improved ? ' (best)' : ''}, ${record.seconds.toFixed(1)} s`,
      );
    }
  } finally {
    await stepper.dispose();
    await validator?.dispose();
  }
  const completed = lastEpoch >= config.epochs;
  if (completed) {
    await writeJsonAtomic(join(out, 'results.json'), {
      task: 'finetune',
      model: 'paligemma',
      base: base.source,
      prompt: { id: template.id, template: template.template },
      config,
      seed: config.seed,
      metric: 'official',
      zeroShot: history.find((e) => e.epoch === 0) ?? null,
      best,
      adapter: 'best',
      history,
      data: { train: trainSource, val: valSource, trainRecords: o.train.records.length, valRecords: o.val.records.length },
      provenance: provenance(),
    });
  }
  return { config, history, best, completed };
}
