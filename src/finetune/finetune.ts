/**
 * LoRA fine-tuning of PaliGemma on VizWiz records: `finetunePaligemma`.
 * Per epoch: a seeded shuffle, the epoch's training answers (targets.ts), optimizer updates of `gradAccum`
 * micro-batches of `batchSize` examples each (stepper.ts: gradients, token-weighted accumulation, clipping, AdamW)
 * with the learning rate of the schedule (warmup + cosine by default, src/train/schedule.ts), then validation
 * (validator.ts: greedy answers scored with the official metric, and the loss), on the run skeleton of every
 * training run (src/train/run.ts: run.json, history.json, checkpoints of adapters + optimizer state + update count,
 * results.json with config, seed, prompt template id and text, metric, history, provenance). The best epoch keeps
 * its adapter in PEFT format and its validation answers (best/).
 * Rerunning with the same arguments after a kill resumes after the last finished epoch and ends with the same
 * adapters and history as an uninterrupted run: every random stream depends only on the seed and the epoch (seeds.ts).
 */

import { join } from 'node:path';
import type { ImageSource } from '../data/image-source.js';
import type { VizWizRecord } from '../data/types.js';
import { VizWizError } from '../errors.js';
import { writeSubmission } from '../eval/submission.js';
import type { LossScaleState } from '../engine/loss-scale.js';
import { loraParamSpecs } from '../models/lora/adapters.js';
import { loraConfig } from '../models/lora/config.js';
import { initAdapters, paligemmaLoraSet } from '../models/lora/paligemma-lora.js';
import { PaliGemmaProcessor } from '../models/paligemma/processor.js';
import { promptTemplate } from '../models/paligemma/prompt.js';
import { provenance } from '../provenance.js';
import { shapeLookup, type BestEpoch } from '../train/checkpoint.js';
import { runTraining } from '../train/run.js';
import { recordsFingerprint } from '../train/run-folder.js';
import { loadBase, peftBaseName, type BaseInput } from './base.js';
import { finetuneConfig, type FinetuneConfig, type FinetuneConfigInput } from './config.js';
import { trainEpoch, updatesPerEpoch, type EpochContext } from './epoch.js';
import { PixelLoader } from './pixels.js';
import type { GeneratedAnswer } from './answers.js';
import { RUN_FORMAT, saveBestAdapter, type FinetuneEpoch } from './run-folder.js';
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
  /** Fault injection for tests: called between the history write and the checkpoint switch (train/run.ts). */
  afterHistoryWrite?: (epoch: number) => void | Promise<void>;
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
  const size = model.config.vision.imageSize;
  const shapeOf = shapeLookup(loraParamSpecs(set));
  const log = o.log ?? (() => {});
  const run = await runTraining<FinetuneEpoch>({
    out,
    description: {
      format: RUN_FORMAT,
      base: base.source,
      config: { ...config, device: undefined, threads: undefined },
      prompt: template,
      data: { train: recordsFingerprint(o.train.records), val: recordsFingerprint(o.val.records) },
    },
    conflict: 'a fine-tune with another base, configuration or data',
    epochs: config.epochs,
    epochBudget: o.epochBudget,
    divergenceHint: `lower --lr (now ${config.lr})`,
    log,
    afterHistoryWrite: o.afterHistoryWrite,
    async start(checkpoint) {
      const stepper = await LoraStepper.create(
        model,
        set,
        {
          adapters: checkpoint?.params ?? initAdapters(set, config.seed),
          ...(checkpoint ? { optimizer: checkpoint.optimizer, steps: checkpoint.state.steps } : {}),
          ...(checkpoint?.state.extra?.lossScale ? { lossScale: checkpoint.state.extra.lossScale as LossScaleState } : {}),
        },
        { weightDecay: config.weightDecay, clip: config.clip, session, ...(config.dtype ? { dtype: config.dtype } : {}) },
      );
      let validator: Validator;
      try {
        validator = await Validator.create(model, set, proc, o.val.records, new PixelLoader(o.val.images, size), {
          batchSize: config.evalBatchSize,
          maxNewTokens: config.maxNewTokens,
          answerSelection: config.answerSelection,
          session,
          ...(config.dtype ? { dtype: config.dtype } : {}),
        });
      } catch (e) {
        await stepper.dispose();
        throw e;
      }
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
      let answers: GeneratedAnswer[] = [];
      return {
        ...(config.zeroShot
          ? {
              async epochZero(): Promise<FinetuneEpoch> {
                const started = performance.now();
                const v = await validator.run(stepper.adapters());
                log(`zero-shot: val loss ${v.loss.toFixed(4)}, val accuracy ${v.accuracy.toFixed(2)}`);
                return {
                  epoch: 0,
                  trainLoss: null,
                  valLoss: v.loss,
                  valAccuracy: v.accuracy,
                  lr: null,
                  updates: 0,
                  gradNorm: null,
                  seconds: (performance.now() - started) / 1000,
                };
              },
            }
          : {}),
        async epoch(epoch) {
          const started = performance.now();
          const trained = await trainEpoch(epochContext, epoch);
          // Validation, the best adapter and the checkpoint read the adapters and state on the host: once per epoch.
          await stepper.pull();
          const v = await validator.run(stepper.adapters());
          answers = v.answers;
          const record: FinetuneEpoch = {
            epoch,
            trainLoss: trained.trainLoss,
            valLoss: v.loss,
            valAccuracy: v.accuracy,
            lr: trained.lr,
            updates: trained.updates,
            gradNorm: trained.gradNorm,
            seconds: (performance.now() - started) / 1000,
            ...(stepper.scaler ? { skippedUpdates: trained.skipped, lossScale: stepper.scaler.scale } : {}),
          };
          return { record, firstStepLoss: trained.firstLoss };
        },
        async saveBest(record) {
          await saveBestAdapter(out, set, stepper.adapters(), { epoch: record.epoch, valAccuracy: record.valAccuracy, prompt: template, base: base.source });
          await writeSubmission(
            join(out, 'best', 'val-predictions.json'),
            o.val.records.map((r, i) => ({ image: r.image, answer: answers[i]?.answer ?? '' })),
          );
        },
        state: () => ({
          params: stepper.adapters(),
          optimizer: stepper.optimizerState(),
          steps: stepper.steps,
          shapeOf,
          ...(stepper.scaler ? { extra: { lossScale: stepper.scaler.state } } : {}),
        }),
        describe: (r, improved) =>
          `epoch ${r.epoch}/${config.epochs}: train loss ${r.trainLoss?.toFixed(4)}, val loss ${r.valLoss.toFixed(4)}, ` +
          `val accuracy ${r.valAccuracy.toFixed(2)}${improved ? ' (best)' : ''}, ${r.seconds.toFixed(1)} s`,
        async dispose() {
          await stepper.dispose();
          await validator.dispose();
        },
      };
    },
    results: (history, best) => ({
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
    }),
  });
  return { config, ...run };
}
