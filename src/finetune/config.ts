/**
 * The configuration of a PaliGemma LoRA fine-tune, its defaults and their sources, and validation (user-facing
 * errors that name the field):
 *   LoRA r 8, alpha 8, dropout 0, targets q/k/v/o/gate/up/down      the HF PaliGemma recipe (PEFT matching)
 *   lr 1e-4, epochs 10, target = most common answer                the seed report
 *   ties among the most common answers: answerSelection 'deuser'   what `vizwiz finetune` has always done (Deuser et
 *                                                                  al.); `vizwiz compare` passes the seed's 'seed'
 *   AdamW, weight decay 1e-6                                       the HF recipe
 *   batch 4 x 4 accumulated micro-batches (effective 16)           the HF recipe
 *   warmup 5% of the updates then cosine decay; clip 1.0           big_vision
 *   greedy answers of at most 8 new tokens, eos stop; prompt answer-en-v1
 * One optimizer update consumes `gradAccum` micro-batches of `batchSize` examples and equals one update on the
 * concatenated batch (token-weighted mean loss). `clip` 0 turns clipping off.
 * `dtype: 'float16'` trains in mixed precision (float16 base weights and activations, float32 adapters, AdamW state and
 * loss, dynamic loss scaling; docs/decisions/011-half-precision.md); float32 (the default) leaves the field out, so
 * float32 runs keep their run fingerprint. Validation runs in float32 either way.
 */

import { DEFAULT_TARGET_MODULES, validateLoraConfig } from '../models/lora/config.js';
import { promptTemplate } from '../models/paligemma/prompt.js';
import { checkSchedule, SCHEDULES, type ScheduleKind } from '../train/schedule.js';
import { ANSWER_SELECTIONS, type AnswerSelection } from '../data/answer-selection.js';
import { DEVICES, type Device } from '../engine/device.js';
import type { TrainDType } from '../engine/mixed-precision.js';
import { VizWizError } from '../errors.js';

export const TARGET_MODES = ['most-common', 'random'] as const;
export type TargetMode = (typeof TARGET_MODES)[number];

export interface FinetuneLoraConfig {
  r: number;
  alpha: number;
  dropout: number;
  /** Module-name suffixes (PEFT list form) or one regex over the whole module path. */
  targetModules: string[] | string;
}

export interface FinetuneConfig {
  lora: FinetuneLoraConfig;
  lr: number;
  epochs: number;
  /** Examples per micro-batch. */
  batchSize: number;
  /** Micro-batches per optimizer update. */
  gradAccum: number;
  /** Largest global gradient norm (0 = no clipping). */
  clip: number;
  schedule: ScheduleKind;
  /** Warmup updates, or a fraction of all updates when below 1. */
  warmup: number;
  weightDecay: number;
  /** Training answer: the most common one (selectAnswer) or one of the ten drawn anew each epoch. */
  target: TargetMode;
  /** How 'most-common' breaks ties among the ten answers (training targets and the validation loss's targets). */
  answerSelection: AnswerSelection;
  /** Prompt template id (src/models/paligemma/prompt.ts). */
  prompt: string;
  seed: number;
  /** Greedy decoding of validation answers. */
  maxNewTokens: number;
  /** Examples per validation batch. */
  evalBatchSize: number;
  /** Validate the base model before training (history epoch 0). */
  zeroShot: boolean;
  device: Device;
  threads?: number;
  /** Training compute dtype; absent = float32 (see above). */
  dtype?: TrainDType;
}

export const FINETUNE_DEFAULTS: FinetuneConfig = {
  lora: { r: 8, alpha: 8, dropout: 0, targetModules: [...DEFAULT_TARGET_MODULES] },
  lr: 1e-4,
  epochs: 10,
  batchSize: 4,
  gradAccum: 4,
  clip: 1,
  schedule: 'cosine',
  warmup: 0.05,
  weightDecay: 1e-6,
  target: 'most-common',
  answerSelection: 'deuser',
  prompt: 'answer-en-v1',
  seed: 0,
  maxNewTokens: 8,
  evalBatchSize: 16,
  zeroShot: true,
  device: 'cpu',
};

export type FinetuneConfigInput = Partial<Omit<FinetuneConfig, 'lora'>> & { lora?: Partial<FinetuneLoraConfig> };

function bad(message: string): VizWizError {
  return new VizWizError('INVALID_ARGUMENT', message);
}

function positiveInt(v: number, name: string, min = 1): void {
  if (!Number.isInteger(v) || v < min) throw bad(`${name} must be an integer >= ${min}, got ${v}`);
}

/** Defaults filled in and every field checked. */
export function finetuneConfig(o: FinetuneConfigInput = {}): FinetuneConfig {
  const d = FINETUNE_DEFAULTS;
  const c: FinetuneConfig = { ...d, ...o, lora: { ...d.lora, ...o.lora } };
  if (c.threads === undefined) delete c.threads;
  if (c.dtype !== undefined && c.dtype !== 'float32' && c.dtype !== 'float16') throw bad(`dtype must be float32 or float16, got "${String(c.dtype)}"`);
  if (c.dtype === undefined || c.dtype === 'float32') delete c.dtype;
  validateLoraConfig({ ...c.lora, useRslora: false });
  positiveInt(c.epochs, 'epochs');
  positiveInt(c.batchSize, 'batchSize');
  positiveInt(c.gradAccum, 'gradAccum');
  positiveInt(c.maxNewTokens, 'maxNewTokens');
  positiveInt(c.evalBatchSize, 'evalBatchSize');
  if (!Number.isSafeInteger(c.seed) || c.seed < 0) throw bad(`seed must be an integer >= 0, got ${c.seed}`);
  if (!(c.clip >= 0) || !Number.isFinite(c.clip)) throw bad(`clip must be a number >= 0 (0 = off), got ${c.clip}`);
  if (!(c.weightDecay >= 0) || !Number.isFinite(c.weightDecay)) throw bad(`weightDecay must be >= 0, got ${c.weightDecay}`);
  if (!(TARGET_MODES as readonly string[]).includes(c.target)) throw bad(`target must be one of ${TARGET_MODES.join(', ')}, got "${c.target}"`);
  if (!(ANSWER_SELECTIONS as readonly string[]).includes(c.answerSelection)) {
    throw bad(`answerSelection must be one of ${ANSWER_SELECTIONS.join(', ')}, got "${c.answerSelection}"`);
  }
  if (!(SCHEDULES as readonly string[]).includes(c.schedule)) throw bad(`schedule must be one of ${SCHEDULES.join(', ')}, got "${c.schedule}"`);
  if (!DEVICES.includes(c.device)) throw bad(`device must be one of ${DEVICES.join(', ')}, got "${c.device}"`);
  if (c.threads !== undefined) positiveInt(c.threads, 'threads');
  checkSchedule({ kind: c.schedule, lr: c.lr, warmup: c.warmup });
  promptTemplate(c.prompt);
  return c;
}
